package dev.atsync.firehose.verify;

import dev.atsync.car.CarReader;
import dev.atsync.cbor.CborException;
import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.PublicKey;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.MissingBlockException;
import dev.atsync.mst.Mst;
import dev.atsync.mst.MstException;
import dev.atsync.repo.Commit;
import dev.atsync.repo.Operation;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The verifier's uses of the CAR, MST, commit and key APIs, with their failures as two kinds. */
final class RepoChecks {
  private RepoChecks() {}

  /** Something malformed; the message says what and where. */
  static final class Problem extends Exception {
    private static final long serialVersionUID = 1L;

    Problem(String message) {
      super(message, null, false, false);
    }
  }

  /** A block the check needs is not in the CAR. */
  static final class MissingBlock extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Cid cid;

    MissingBlock(Cid cid) {
      super(cid.toString(), null, false, false);
      this.cid = cid;
    }

    Cid cid() {
      return cid;
    }
  }

  /** A parsed CAR: its single root and its (hash-checked) blocks. */
  record Car(Cid root, Map<Cid, byte[]> blocks, BlockSource source) {}

  /** A decoded commit block. */
  record SignedCommit(Commit commit) {
    Did did() {
      return commit.did();
    }

    Tid rev() {
      return commit.rev();
    }

    Cid data() {
      return commit.data();
    }

    boolean verify(PublicKey key) {
      return commit.verify(key);
    }
  }

  static Car readCar(ByteBuffer bytes, int maxBytes) throws Problem {
    CarReader.Contents c;
    try {
      c = readAll(bytes, maxBytes);
    } catch (DataModelException e) {
      throw new Problem("blocks is not a valid CAR: " + e.getMessage());
    }
    if (c.roots().size() != 1) {
      throw new Problem("the CAR must have exactly one root, it has " + c.roots().size());
    }
    return new Car(c.roots().get(0), c.blocks(), BlockSource.of(c.blocks()));
  }

  private static CarReader.Contents readAll(ByteBuffer bytes, int maxBytes) {
    // blocksView() is read-only, so its array is never exposed: copy
    byte[] array = new byte[bytes.remaining()];
    bytes.duplicate().get(array);
    return CarReader.readAll(array, new CarReader.Limits(64 * 1024, Math.max(1, maxBytes), Math.max(1, maxBytes),
        1_000_000));
  }

  static SignedCommit decodeCommit(byte[] block) throws Problem {
    try {
      return new SignedCommit(Commit.decode(block));
    } catch (MstException | IllegalArgumentException e) {
      throw new Problem(e.getMessage());
    }
  }

  /**
   * Validates {@code block} as exactly one strict canonical DAG-CBOR value, without building it
   * (the reader's skip checks every rule the generic decode does).
   *
   * @throws CborException naming the rule broken and the byte offset
   */
  static void requireCanonical(byte[] block) {
    CborReader r = new CborReader(block);
    r.skipValue();
    r.requireEnd();
  }

  /**
   * The commit's tree, loaded lazily from the CAR. One instance serves every op lookup and the
   * inversion, so each proof node is decoded once.
   */
  static Mst tree(Cid root, Car car) throws MissingBlock, Problem {
    return onTree(() -> Mst.load(root, car.source()));
  }

  static Optional<Cid> lookup(Mst tree, String path) throws MissingBlock, Problem {
    return onTree(() -> tree.get(path));
  }

  static Cid invert(Mst tree, List<Operation> ops) throws MissingBlock, Problem {
    return onTree(() -> Operation.invert(tree, ops).rootCid());
  }

  /** Runs a tree operation, turning the MST module's exceptions into this check's two outcomes. */
  private static <T> T onTree(java.util.function.Supplier<T> operation) throws MissingBlock, Problem {
    try {
      return operation.get();
    } catch (MissingBlockException e) {
      throw new MissingBlock(e.missing());
    } catch (MstException | IllegalArgumentException e) {
      throw new Problem(e.getMessage());
    }
  }

  static Cid emptyTreeRoot() {
    return Mst.empty(BlockSource.EMPTY).rootCid();
  }

}
