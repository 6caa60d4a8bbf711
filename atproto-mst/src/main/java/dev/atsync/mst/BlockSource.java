package dev.atsync.mst;

import dev.atsync.car.CarReader;
import dev.atsync.cid.Cid;
import java.util.Map;
import java.util.Optional;

/**
 * Where a tree loads blocks from. Partial sources are allowed: a block that is absent only
 * matters when an operation must look inside it, and then the tree throws a
 * {@link MissingBlockException} naming it.
 *
 * <p>Every implementation behaves the same way: an absent block is {@code Optional.empty()},
 * never an exception; only bytes that hash to the CID asked for are returned ({@link #ofCar}
 * blocks were checked by the CAR reader; {@link #of} trusts its map); a storage failure is the
 * implementation's own unchecked exception (for example {@code UncheckedIOException}), which
 * propagates through the tree unchanged. The returned array is read, never modified.
 */
public interface BlockSource {
  /**
   * The block's bytes, if this source has it.
   *
   * @param cid the block's CID
   * @return its bytes, or empty when this source does not have it
   */
  Optional<byte[]> get(Cid cid);

  /** A source with no blocks: only trees built in memory can be used with it. */
  BlockSource EMPTY = cid -> Optional.empty();

  /**
   * A source over a map the caller trusts (for example, blocks it wrote itself). The map is read,
   * not copied.
   *
   * @param blocks the blocks by CID
   * @return a source over the map
   */
  static BlockSource of(Map<Cid, byte[]> blocks) {
    return cid -> Optional.ofNullable(blocks.get(cid));
  }

  /**
   * A source over a CAR's blocks, every one of which was checked against its CID.
   *
   * @param car a whole CAR read with {@link CarReader#readAll}
   * @return a source over its blocks
   */
  static BlockSource ofCar(CarReader.Contents car) {
    return of(car.blocks());
  }
}
