package dev.atsync.firehose.identity;

import dev.atsync.syntax.Did;
/**
 * Why an identity or signing key could not be had: the DID, the {@link Kind} of failure, and what
 * went wrong. The one exception of this package: every {@link IdentityResolver} and
 * {@link KeySource} fails with it. Unchecked, so resolvers and key sources can be called from
 * lambdas and streams; a caller that must go on without the identity catches it.
 */
public class IdentityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The failure category. */
  public enum Kind {
    /** The DID is not syntactically a supported DID. */
    UNSUPPORTED_DID,
    /** The directory or host says the DID does not exist (HTTP 404/410). */
    NOT_FOUND,
    /** The DID document is not valid JSON or lacks a required part. */
    MALFORMED_DOCUMENT,
    /** Any other HTTP status, an oversize body, or a transport failure or timeout. */
    HTTP_ERROR
  }

  /** The failure category. */
  private final Kind kind;
  /** The DID being resolved. */
  private final transient Did did;

  /**
   * @param kind the category
   * @param did the DID being resolved
   * @param message what is wrong
   */
  public IdentityException(Kind kind, Did did, String message) {
    this(kind, did, message, null);
  }

  /** With a cause. */
  public IdentityException(Kind kind, Did did, String message, Throwable cause) {
    super(did + ": " + message, cause);
    this.kind = kind;
    this.did = did;
  }

  /** @return the category */
  public Kind kind() {
    return kind;
  }

  /** @return the DID being resolved */
  public Did did() {
    return did;
  }
}
