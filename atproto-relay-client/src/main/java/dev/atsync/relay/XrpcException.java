package dev.atsync.relay;

import java.util.Optional;

/**
 * An XRPC call failed: the HTTP status (0 for a connection-level failure), the XRPC error name
 * from the {@code {"error","message"}} body when present, and the method that failed.
 */
public class XrpcException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  /** HTTP status, or 0. */
  private final int status;
  /** XRPC error name, or null. */
  private final String error;

  /** Creates an exception for {@code method} with the given status, error name and message. */
  public XrpcException(String method, int status, String error, String message, Throwable cause) {
    super(method + ": HTTP " + status + (error == null ? "" : " " + error) + (message == null ? "" : ": " + message), cause);
    this.status = status;
    this.error = error;
  }

  /** HTTP status, or 0 when no response was received. */
  public int status() { return status; }

  /** XRPC error name such as {@code RepoNotFound}, when the server sent one. */
  public Optional<String> error() { return Optional.ofNullable(error); }

  /** Whether a retry could succeed: connection failures, 408, 429 and 5xx. */
  public boolean retryable() { return status == 0 || status == 408 || status == 429 || status >= 500; }
}
