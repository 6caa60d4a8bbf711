package dev.atsync.mst;

import dev.atsync.car.CarReader;
import dev.atsync.cid.Cid;
import java.util.Map;
import java.util.Optional;

/**
 * Where a tree loads blocks from. Partial sources are allowed: a block that is absent only
 * matters when an operation must look inside it, and then it is a {@link MissingBlockException}.
 * A source must only return bytes that hash to the CID asked for ({@link #ofCar} checks every
 * block; {@link #of} trusts its map).
 */
public interface BlockSource {
  /** The block's bytes, if this source has it. */
  Optional<byte[]> get(Cid cid);

  /** A source with no blocks: only trees built in memory can be used with it. */
  BlockSource EMPTY = cid -> Optional.empty();

  /** A source over a map the caller trusts (for example, blocks it wrote itself). */
  static BlockSource of(Map<Cid, byte[]> blocks) {
    return cid -> Optional.ofNullable(blocks.get(cid));
  }

  /** A source over a CAR's blocks, every one of which was checked against its CID. */
  static BlockSource ofCar(CarReader.Contents car) {
    return of(car.blocks());
  }
}
