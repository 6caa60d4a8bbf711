package dev.atsync.crypto;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Objects;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * A private signing key: a scalar {@code d} in {@code [1, n-1]} on one {@link Curve}. A final
 * class rather than a record because it must not expose its scalar through an accessor,
 * {@code equals} or {@code toString}; {@link #toBytes()} returns a copy on request only.
 * Thread-safe.
 */
public final class PrivateKey {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Curve curve;
  private final BigInteger d;
  private final EcPublicKey publicKey;

  private PrivateKey(Curve curve, BigInteger d) {
    this.curve = curve;
    this.d = d;
    this.publicKey =
        new EcPublicKey(curve, new FixedPointCombMultiplier().multiply(curve.generator(), d));
  }

  /** Generates a fresh key with {@link SecureRandom}. */
  public static PrivateKey generate(Curve curve) {
    Objects.requireNonNull(curve, "curve");
    byte[] bytes = new byte[32];
    while (true) {
      RANDOM.nextBytes(bytes);
      BigInteger d = new BigInteger(1, bytes);
      if (d.signum() > 0 && d.compareTo(curve.order()) < 0) {
        return new PrivateKey(curve, d);
      }
    }
  }

  /**
   * Loads a key from its 32-byte big-endian scalar.
   *
   * @throws KeyException if the length is not 32 or the scalar is zero or not below the order
   */
  public static PrivateKey fromBytes(Curve curve, byte[] d32) {
    Objects.requireNonNull(curve, "curve");
    Objects.requireNonNull(d32, "d32");
    if (d32.length != 32) {
      throw new KeyException(curve + " private key must be 32 bytes, got " + d32.length);
    }
    BigInteger d = new BigInteger(1, d32);
    if (d.signum() == 0 || d.compareTo(curve.order()) >= 0) {
      throw new KeyException(curve + " private key scalar is zero or not below the curve order");
    }
    return new PrivateKey(curve, d);
  }

  /** The curve of this key. */
  public Curve curve() {
    return curve;
  }

  /** The matching public key. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /**
   * Signs SHA-256({@code message}) with a deterministic RFC 6979 nonce (HMAC-SHA-256) and returns
   * the 64-byte {@code r || s} with {@code s} always in the low half, as atproto requires.
   */
  public byte[] sign(byte[] message) {
    Objects.requireNonNull(message, "message");
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(d, curve.domain()));
    BigInteger[] rs = signer.generateSignature(EcPublicKey.sha256(message));
    BigInteger s = rs[1];
    if (s.compareTo(curve.halfOrder()) > 0) {
      s = curve.order().subtract(s);
    }
    byte[] out = new byte[64];
    BigIntegers.asUnsignedByteArray(rs[0], out, 0, 32);
    BigIntegers.asUnsignedByteArray(s, out, 32, 32);
    return out;
  }

  /** The 32-byte big-endian scalar (a fresh copy). Handle with care. */
  public byte[] toBytes() {
    return BigIntegers.asUnsignedByteArray(32, d);
  }

  /** Names the curve and public key only; never the scalar. */
  @Override
  public String toString() {
    return "PrivateKey[" + curve + ", " + publicKey.didKey() + "]";
  }
}
