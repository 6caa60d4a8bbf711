/**
 * atproto signing keys: {@link dev.atsync.crypto.Curve P-256 and secp256k1}, {@link
 * dev.atsync.crypto.PublicKey public keys} in did:key / multibase / compressed form, and {@link
 * dev.atsync.crypto.PrivateKey private keys} that sign repository commits.
 *
 * <p>Scope: what atproto's cryptography spec needs and no more. Signatures are ECDSA over
 * SHA-256 in the 64-byte compact {@code r || s} form with low-S only; DER signatures and high-S
 * signatures fail verification. Public keys are written as 33-byte compressed points with the
 * {@code secp256k1-pub} (0xe7) or {@code p256-pub} (0x1200) multicodec; 65-byte uncompressed
 * points are accepted on input. The legacy DID-document form without a multicodec is accepted
 * only through {@link dev.atsync.crypto.PublicKey#fromLegacyMultibase}, where the caller supplies
 * the curve.
 *
 * <p>Limits: no other curves, no key storage or JWK import, no constant-time guarantees beyond
 * BouncyCastle's own. Parsed public keys are cached (bounded) because point decompression and the
 * verification precomputation dominate the cost of verifying with a fresh key.
 *
 * <p><b>Exceptions.</b> A key encoding that cannot be used (malformed text, another curve such as
 * Ed25519, a point off the curve, a scalar out of range) is a
 * {@link dev.atsync.crypto.KeyException}, unchecked and the only exception of this package. A bad
 * signature is never an exception: {@link dev.atsync.crypto.PublicKey#verify} returns false.
 */
package dev.atsync.crypto;
