package dev.atsync.relay.ingest;

import java.util.Optional;

/**
 * The inverter rejected or could not take frames: HTTP status (0 when no response arrived) and
 * the error name from the JSON body ({@code InvalidFrame}, {@code InvalidToken}, {@code StaleRev},
 * {@code PayloadTooLarge}, or {@code PrecedingFrameFailed} for frames failed because an earlier
 * frame of the same client failed).
 */
public class InverterException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String error;

  /** Creates the exception. */
  public InverterException(int status, String error, String message, Throwable cause) {
    super("inverter: HTTP " + status + (error == null ? "" : " " + error) + (message == null ? "" : ": " + message), cause);
    this.status = status;
    this.error = error;
  }

  /** HTTP status, or 0 for a connection failure. */
  public int status() { return status; }

  /** Error name from the response body, when present. */
  public Optional<String> error() { return Optional.ofNullable(error); }
}
