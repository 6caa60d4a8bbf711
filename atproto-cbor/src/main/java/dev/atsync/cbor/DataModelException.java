package dev.atsync.cbor;

/**
 * Base of every exception atproto-cbor throws for bad input: malformed DAG-CBOR, CIDs, CAR files
 * and atproto identifiers. Each subclass says what was wrong and where; {@link #offset()} is the
 * byte offset into the input when the input was bytes, or {@code -1} otherwise.
 *
 * <p>Unchecked, because bad input is the caller's data, not an I/O condition, and because
 * decoders are used from lambdas and streams.
 */
public class DataModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  /** Where the problem was found, or -1. */
  private final long offset;
  /** What is wrong, without the location. */
  private final String detail;

  /**
   * @param message what is wrong, naming the rule broken
   * @param offset byte offset into the input, or {@code -1} when not applicable
   */
  public DataModelException(String message, long offset) {
    super(offset >= 0 ? message + " (at byte " + offset + ")" : message);
    this.offset = offset;
    this.detail = message;
  }

  /** As {@link #DataModelException(String, long)} with an underlying cause. */
  public DataModelException(String message, long offset, Throwable cause) {
    super(offset >= 0 ? message + " (at byte " + offset + ")" : message, cause);
    this.offset = offset;
    this.detail = message;
  }

  /** What is wrong, without the location (for wrapping into another message that has its own). */
  public String detail() {
    return detail;
  }

  /** Byte offset into the input where the problem was found, or {@code -1}. */
  public long offset() {
    return offset;
  }
}
