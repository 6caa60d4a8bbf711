package dev.atsync.firehose.ingest;

import java.util.Locale;

/**
 * Every answer of {@code POST /events} other than success: its HTTP status, its XRPC-style error
 * name (the {@code error} field of the JSON body), and whether the same request may succeed if it
 * is sent again.
 */
public enum IngestError {
  /** 400: a frame (or the body) is malformed or fails the lexicon; {@code frame} names it. */
  INVALID_FRAME(400, "InvalidFrame", false),
  /** 400: a {@code #commit} or {@code #sync} failed verification; {@code frame} and {@code reason} name it. */
  INVALID_COMMIT(400, "InvalidCommit", false),
  /** 400: the request itself is malformed (for example its Content-Length). */
  INVALID_REQUEST(400, "InvalidRequest", false),
  /** 401: no bearer token was sent. */
  AUTHENTICATION_REQUIRED(401, "AuthenticationRequired", false),
  /** 401: the bearer token is not one the inverter accepts. */
  INVALID_TOKEN(401, "InvalidToken", false),
  /** 404: no such endpoint. */
  NOT_FOUND(404, "NotFound", false),
  /** 405: the endpoint takes another method. */
  METHOD_NOT_ALLOWED(405, "MethodNotAllowed", false),
  /** 408: the request's head or body did not arrive within the server's time limit; nothing was stored. */
  REQUEST_TIMEOUT(408, "RequestTimeout", true),
  /**
   * 409: an event breaks the account's rev order (a {@code #commit} not after the current rev, a
   * {@code #sync} before it); {@code did}, {@code rev} and {@code currentRev} say which.
   */
  STALE_REV(409, "StaleRev", false),
  /** 413: the body, a frame, or a field is over its limit. */
  PAYLOAD_TOO_LARGE(413, "PayloadTooLarge", false),
  /** 415: the body is not sent as {@link IngestProtocol#CONTENT_TYPE}. */
  UNSUPPORTED_MEDIA_TYPE(415, "UnsupportedMediaType", false),
  /** 431: the request line or headers are over the server's limit. */
  HEADERS_TOO_LARGE(431, "RequestHeaderFieldsTooLarge", false),
  /** 503: the inverter is shutting down; send to another node. */
  SHUTTING_DOWN(503, "ShuttingDown", true),
  /** 503: the events could not be stored now (storage down or full); nothing was stored. */
  UNAVAILABLE(503, "Unavailable", true),
  /** No answer arrived (connection refused, reset, or timed out): the events may or may not be stored. */
  UNREACHABLE(0, "Unreachable", true),
  /**
   * Client side: the frame was never sent because a frame queued before it failed for good (a
   * later commit of the same account usually builds on the failed one); the cause is that failure.
   */
  PRECEDING_FRAME_FAILED(0, "PrecedingFrameFailed", false),
  /** An answer this protocol does not define; see {@link IngestException#status()} and {@link IngestException#errorName()}. */
  UNKNOWN(0, "Unknown", false);

  private final int status;
  private final String errorName;
  private final boolean retryable;

  IngestError(int status, String errorName, boolean retryable) {
    this.status = status;
    this.errorName = errorName;
    this.retryable = retryable;
  }

  /** The HTTP status the server answers with (0 for the client-side errors). */
  public int status() {
    return status;
  }

  /** The {@code error} name in the JSON body. */
  public String errorName() {
    return errorName;
  }

  /**
   * Whether sending the same request again may succeed. Retrying is always safe: the inverter
   * recognises frames it already stored and answers them with their original seqs.
   */
  public boolean retryable() {
    return retryable;
  }

  /** The error a server answer names; {@link #UNKNOWN} if the name and status fit none. */
  public static IngestError of(int status, String errorName) {
    for (IngestError e : values()) {
      if (e.status == status && e.errorName.equals(errorName)) {
        return e;
      }
    }
    return status >= 500 ? UNAVAILABLE : UNKNOWN;
  }

  @Override
  public String toString() {
    return (status > 0 ? status + " " : "") + errorName + " (" + name().toLowerCase(Locale.ROOT) + ")";
  }
}
