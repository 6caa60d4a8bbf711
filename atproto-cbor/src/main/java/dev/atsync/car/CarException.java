package dev.atsync.car;

import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import java.util.Optional;

/**
 * A CAR file that is malformed, exceeds a {@link CarReader.Limits} bound, or holds a block whose
 * bytes do not hash to its CID. {@link #offset()} is the byte offset into the CAR stream;
 * {@link #cid()} the CID of the block concerned, when known.
 */
public final class CarException extends DataModelException {
  private static final long serialVersionUID = 1L;
  private final transient Cid cid;

  /** A problem at {@code offset}, not tied to a block. */
  public CarException(String message, long offset) {
    this(message, offset, null, null);
  }

  /**
   * @param cid the block concerned, or {@code null}
   * @param cause the underlying decoding error, or {@code null}
   */
  public CarException(String message, long offset, Cid cid, Throwable cause) {
    super(cid == null ? message : message + " [block " + cid + "]", offset, cause);
    this.cid = cid;
  }

  /** The CID of the block concerned, when known. */
  public Optional<Cid> cid() {
    return Optional.ofNullable(cid);
  }
}
