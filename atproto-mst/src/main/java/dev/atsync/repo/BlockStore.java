package dev.atsync.repo;

import dev.atsync.cid.Cid;
import dev.atsync.mst.BlockSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a {@link Repository} keeps its blocks (records, MST nodes, commits). Implement it over a
 * PDS's own database; {@link #inMemory()} is the default.
 *
 * <p>Implementations fail like every {@link BlockSource}: an absent block is empty, never an
 * exception; a storage failure is the implementation's own unchecked exception, which propagates
 * out of {@link Repository#apply} (the repository's in-memory state is then unchanged only if
 * {@link #putAll} stored nothing).
 */
public interface BlockStore extends BlockSource {
  /**
   * Whether the store has the block.
   *
   * @param cid the block's CID
   * @return whether {@link #get} would return it
   */
  boolean has(Cid cid);

  /**
   * Stores blocks; each hashes to its CID. Called once per commit with all its new blocks; the
   * arrays are handed over (the store may keep them), and the caller does not modify them.
   *
   * @param blocks the new blocks by CID
   */
  void putAll(Map<Cid, byte[]> blocks);

  /**
   * A thread-safe in-memory store.
   *
   * @return a new, empty store
   */
  static BlockStore inMemory() {
    Map<Cid, byte[]> map = new ConcurrentHashMap<>();
    return new BlockStore() {
      @Override
      public Optional<byte[]> get(Cid cid) {
        return Optional.ofNullable(map.get(cid));
      }

      @Override
      public boolean has(Cid cid) {
        return map.containsKey(cid);
      }

      @Override
      public void putAll(Map<Cid, byte[]> blocks) {
        map.putAll(blocks);
      }
    };
  }
}
