package dev.atsync.inverter;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Events refused by the inverter, before anything was stored. Carries the HTTP status the ingest
 * endpoint answers with, an XRPC-style error name and message, and details such as the index of
 * the offending frame or the account's current rev. Nothing of a rejected batch is stored.
 *
 * <ul>
 *   <li>400 {@code InvalidFrame}: malformed or invalid frame ({@code frame} names it)
 *   <li>409 {@code StaleRev}: a {@code #commit}'s rev is not above the account's current rev, or a
 *       {@code #sync}'s is below it
 *   <li>413 {@code PayloadTooLarge}: the body or a frame is over a limit
 * </ul>
 */
public class IngestRejectedException extends InverterException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String error;
  private final transient Map<String, Object> details;

  /**
   * @param status the HTTP status
   * @param error the XRPC error name
   * @param message what is wrong, for the PDS developer
   * @param details extra JSON fields of the error body (for example {@code frame}, {@code did})
   */
  public IngestRejectedException(int status, String error, String message, Map<String, Object> details) {
    this(status, error, message, details, null);
  }

  /** With an underlying cause. */
  public IngestRejectedException(int status, String error, String message, Map<String, Object> details,
      Throwable cause) {
    super(message, cause);
    this.status = status;
    this.error = error;
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  /** The HTTP status: 400, 409 or 413. */
  public int status() {
    return status;
  }

  /** The XRPC error name, such as {@code InvalidFrame} or {@code StaleRev}. */
  public String error() {
    return error;
  }

  /** Extra fields of the error body. */
  public Map<String, Object> details() {
    return details;
  }

  /** Index of the offending frame within the batch, when one is at fault. */
  public Optional<Integer> frameIndex() {
    Object f = details.get("frame");
    return f instanceof Integer i ? Optional.of(i) : Optional.empty();
  }
}
