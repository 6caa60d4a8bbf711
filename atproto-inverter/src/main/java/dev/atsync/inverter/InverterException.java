package dev.atsync.inverter;

/**
 * Base of the inverter library's own exceptions: the log's stale revs and storage failures.
 * (Refused publishes are the ingest protocol's {@code IngestException}, shared with the HTTP client.)
 */
public class InverterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message what went wrong */
  public InverterException(String message) {
    super(message);
  }

  /** With a cause. */
  public InverterException(String message, Throwable cause) {
    super(message, cause);
  }
}
