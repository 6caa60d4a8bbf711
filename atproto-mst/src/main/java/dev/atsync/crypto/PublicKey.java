package dev.atsync.crypto;

/**
 * An atproto public signing key on {@link Curve#P256} or {@link Curve#SECP256K1}. Instances are
 * immutable, thread-safe and compare equal when curve and point are equal.
 *
 * <p>The static factories cache parsed keys (bounded, thread-safe): decompressing a point and
 * building the verification precomputation costs far more than one verification, and the same
 * few keys verify most commits.
 */
public interface PublicKey {

  /** The curve this key lives on. */
  Curve curve();

  /**
   * Verifies an atproto signature: SHA-256 of {@code message}, then ECDSA over the 64-byte
   * {@code r || s} signature. Returns {@code false}, never throws, for any signature that is not
   * exactly 64 bytes (including DER), has {@code r} or {@code s} zero or {@code >= n}, has a high
   * {@code s} ({@code s > n/2}), or does not match.
   *
   * @param message the signed bytes (hashed here)
   * @param signature the compact signature
   * @return whether the signature is valid under atproto's rules
   */
  boolean verify(byte[] message, byte[] signature);

  /** The 33-byte SEC1 compressed point (a fresh copy). */
  byte[] compressed();

  /** The {@code did:key:z...} form: base58btc of the multicodec-prefixed compressed point. */
  String didKey();

  /** The multibase {@code z...} form of the multicodec-prefixed compressed point (DID documents). */
  String multibase();

  /**
   * Parses a {@code did:key}. The multicodec must be {@code secp256k1-pub} or {@code p256-pub} and
   * the key a 33-byte compressed point (a 65-byte uncompressed point is also accepted).
   *
   * @throws KeyException if the text is not such a did:key or the point is not on the curve
   */
  static PublicKey fromDidKey(String didKey) {
    return PublicKeyCodec.fromDidKey(didKey);
  }

  /**
   * Parses the multibase (base58btc, {@code z}) of a multicodec-prefixed point, the form of a
   * {@code Multikey} verification method's {@code publicKeyMultibase}.
   *
   * @throws KeyException if the text is malformed or the point is not on the curve
   */
  static PublicKey fromMultibase(String multibase) {
    return PublicKeyCodec.fromMultibase(multibase);
  }

  /**
   * Parses the legacy DID-document form: the multibase (base58btc) of the bare point with no
   * multicodec prefix, the curve being known from the verification method type
   * ({@code EcdsaSecp256r1VerificationKey2019} / {@code EcdsaSecp256k1VerificationKey2019}).
   *
   * @throws KeyException if the text is malformed or the point is not on the curve
   */
  static PublicKey fromLegacyMultibase(Curve curve, String multibase) {
    return PublicKeyCodec.fromLegacyMultibase(curve, multibase);
  }

  /**
   * Builds a key from a 33-byte SEC1 compressed point.
   *
   * @throws KeyException if the length or prefix is wrong or the point is not on the curve
   */
  static PublicKey fromCompressed(Curve curve, byte[] compressed33) {
    return PublicKeyCodec.fromCompressed(curve, compressed33);
  }
}
