package dev.atsync.firehose;

import dev.atsync.cbor.DataModelException;

/** Base of the exceptions atproto-firehose throws for bad stream input. */
public class FirehoseException extends DataModelException {
  private static final long serialVersionUID = 1L;

  /** @param offset byte offset into the frame, or {@code -1} */
  public FirehoseException(String message, long offset) {
    super(message, offset);
  }

  /** With an underlying cause (usually a {@code CborException}). */
  public FirehoseException(String message, long offset, Throwable cause) {
    super(message, offset, cause);
  }
}
