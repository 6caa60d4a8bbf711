package dev.atsync.crypto;

import dev.atsync.cbor.DataModelException;

/**
 * A key encoding that cannot be used: malformed did:key or multibase text, an unknown or missing
 * multicodec prefix, a wrong length, a point that is not on the curve, or a private scalar out of
 * range. Signature problems are never reported this way: {@link PublicKey#verify} returns {@code
 * false} instead, because a bad signature is an expected outcome, not a caller error.
 */
public class KeyException extends DataModelException {
  private static final long serialVersionUID = 1L;

  /** @param message what is wrong with the key encoding */
  public KeyException(String message) {
    super(message, -1);
  }

  /**
   * @param message what is wrong with the key encoding
   * @param cause the underlying decoding failure
   */
  public KeyException(String message, Throwable cause) {
    super(message, -1, cause);
  }
}
