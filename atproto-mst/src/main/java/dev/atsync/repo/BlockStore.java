package dev.atsync.repo;

import dev.atsync.cid.Cid;
import dev.atsync.mst.BlockSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a {@link Repository} keeps its blocks (records, MST nodes, commits). Implement it over a
 * PDS's own database; {@link #inMemory()} is the default.
 */
public interface BlockStore extends BlockSource {
  /** Whether the store has the block. */
  boolean has(Cid cid);

  /** Stores blocks; each must hash to its CID. Called once per commit with all its new blocks. */
  void putAll(Map<Cid, byte[]> blocks);

  /** A thread-safe in-memory store. */
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
