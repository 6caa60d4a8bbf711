package dev.atsync.cid;

import dev.atsync.cbor.DataModelException;

/** A CID, multibase string or varint that is malformed or uses a version, codec or hash atproto does not allow. */
public final class InvalidCidException extends DataModelException {
  private static final long serialVersionUID = 1L;

  /** @param offset byte or character offset of the problem, or {@code -1} */
  public InvalidCidException(String message, long offset) {
    super(message, offset);
  }
}
