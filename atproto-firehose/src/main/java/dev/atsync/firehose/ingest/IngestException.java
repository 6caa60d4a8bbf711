package dev.atsync.firehose.ingest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A {@code POST /events} that did not store its frames: thrown by the inverter before it answers
 * (and rendered as the JSON error body), and by the PDS-side client after it reads that body, so
 * both sides share one type. Nothing of a refused request is stored: a refused frame refuses its
 * whole batch.
 *
 * <p>The details are the JSON body's other fields, with typed accessors for the ones the protocol
 * defines: {@code frame} (index of the offending frame in the batch), {@code field} and
 * {@code offset} (where in it), {@code reason} (the verifier's reason code for
 * {@code InvalidCommit}), and {@code did}, {@code rev}, {@code currentRev} for {@code StaleRev}.
 */
public class IngestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final IngestError error;
  private final int status;
  private final String errorName;
  private final transient Map<String, Object> details;

  /** An error the server raises; status and name are the error's own. */
  public IngestException(IngestError error, String message, Map<String, ?> details) {
    this(error, error.status(), error.errorName(), message, details, null);
  }

  /** As {@link #IngestException(IngestError, String, Map)}, with the underlying cause. */
  public IngestException(IngestError error, String message, Map<String, ?> details, Throwable cause) {
    this(error, error.status(), error.errorName(), message, details, cause);
  }

  /**
   * An answer as received: its status and error name (which may be one this protocol does not
   * define, then {@code error} is {@link IngestError#UNKNOWN} or {@link IngestError#UNAVAILABLE}).
   */
  public IngestException(IngestError error, int status, String errorName, String message, Map<String, ?> details,
      Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.error = Objects.requireNonNull(error, "error");
    this.status = status;
    this.errorName = Objects.requireNonNull(errorName, "errorName");
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  /** What went wrong. */
  public IngestError error() {
    return error;
  }

  /** The HTTP status (0 when no answer arrived). */
  public int status() {
    return status;
  }

  /** The {@code error} name as sent, such as {@code StaleRev}. */
  public String errorName() {
    return errorName;
  }

  /**
   * Whether the same request may succeed later: {@link IngestError#retryable()}, and also 408
   * and 429 from a proxy in front of the inverter.
   */
  public boolean retryable() {
    return error.retryable() || status == 408 || status == 429;
  }

  /** Every detail field of the answer, as JSON values (numbers, strings, booleans). */
  public Map<String, Object> details() {
    return details;
  }

  /** The index of the offending frame within the posted batch, when one is at fault. */
  public OptionalInt frameIndex() {
    return details.get(IngestProtocol.FRAME) instanceof Number n ? OptionalInt.of(n.intValue()) : OptionalInt.empty();
  }

  /** The field of the frame at fault, when known. */
  public Optional<String> field() {
    return text(IngestProtocol.FIELD);
  }

  /** The byte offset within the frame where decoding failed, when known. */
  public OptionalLong offset() {
    return details.get(IngestProtocol.OFFSET) instanceof Number n ? OptionalLong.of(n.longValue())
        : OptionalLong.empty();
  }

  /** For {@code InvalidCommit}: the verifier's reason code (a {@code firehose.verify.Reason} name). */
  public Optional<String> reason() {
    return text(IngestProtocol.REASON);
  }

  /** For {@code StaleRev}: the account. */
  public Optional<String> did() {
    return text(IngestProtocol.DID);
  }

  /** For {@code StaleRev}: the rev refused. */
  public Optional<String> rev() {
    return text(IngestProtocol.REV);
  }

  /** For {@code StaleRev}: the account's current rev at the inverter. */
  public Optional<String> currentRev() {
    return text(IngestProtocol.CURRENT_REV);
  }

  private Optional<String> text(String key) {
    return details.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
  }

  @Override
  public String toString() {
    return "IngestException[" + (status > 0 ? status + " " : "") + errorName + ": " + getMessage()
        + (details.isEmpty() ? "" : " " + details) + "]";
  }
}
