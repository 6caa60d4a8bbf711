package dev.atsync.car;

import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import java.util.Optional;

/**
 * A CAR file that is malformed, over a limit, or holds a block whose bytes do not hash to its
 * CID. Carries the byte offset into the CAR and, when the problem concerns one block, its CID.
 */
public final class CarException extends DataModelException {
  private static final long serialVersionUID = 1L;
  private final transient Cid cid;

  /** A problem not tied to one block. */
  public CarException(String message, long offset) {
    this(message, offset, (Cid) null);
  }

  /** @param cid the block concerned, or {@code null} */
  public CarException(String message, long offset, Cid cid) {
    super(cid == null ? message : message + " [block " + cid + "]", offset);
    this.cid = cid;
  }

  /** With a cause. */
  public CarException(String message, long offset, Throwable cause) {
    super(message, offset, cause);
    this.cid = null;
  }

  /** The block concerned, if the problem is with one block. */
  public Optional<Cid> cid() {
    return Optional.ofNullable(cid);
  }
}
