package dev.atsync.crypto;

/**
 * A key encoding that cannot be used: malformed did:key or multibase text, an unknown or missing
 * multicodec prefix, a wrong length, a point that is not on the curve, or a private scalar out of
 * range. Signature problems are never reported this way: {@link PublicKey#verify} returns {@code
 * false} instead, because a bad signature is an expected outcome, not a caller error.
 *
 * <p>The only exception of this package, unchecked (keys are parsed in lambdas and streams); its
 * own root, since a key is not a byte-offset data-model problem.
 */
public class KeyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message what is wrong with the key encoding */
  public KeyException(String message) {
    super(message);
  }

  /**
   * @param message what is wrong with the key encoding
   * @param cause the underlying decoding failure
   */
  public KeyException(String message, Throwable cause) {
    super(message, cause);
  }
}
