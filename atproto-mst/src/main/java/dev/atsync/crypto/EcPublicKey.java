package dev.atsync.crypto;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * The one {@link PublicKey} implementation. It keeps the normalized (affine) point so that
 * BouncyCastle's per-point WNAF precomputation, which it stores on the point instance, is built on
 * the first verification and reused by every later one; that reuse is why keys are cached.
 */
final class EcPublicKey implements PublicKey {
  private final Curve curve;
  private final ECPoint point;
  private final byte[] compressed;
  private volatile String multibase;

  /** @param point a valid, non-infinity point on {@code curve} */
  EcPublicKey(Curve curve, ECPoint point) {
    this.curve = curve;
    this.point = point.normalize();
    Curve.configureWindow(this.point, Curve.PUBLIC_KEY_WINDOW);
    this.compressed = this.point.getEncoded(true);
  }

  @Override
  public Curve curve() {
    return curve;
  }

  @Override
  public boolean verify(byte[] message, byte[] signature) {
    if (message == null || signature == null || signature.length != 64) {
      return false;
    }
    BigInteger n = curve.order();
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    if (r.signum() == 0 || s.signum() == 0 || r.compareTo(n) >= 0) {
      return false;
    }
    // atproto accepts only the low-S member of each signature pair (no malleability).
    if (s.compareTo(curve.halfOrder()) > 0) {
      return false;
    }
    // Both orders are 256 bits long, so the whole SHA-256 digest is used without truncation.
    BigInteger e = new BigInteger(1, sha256(message));
    BigInteger w = BigIntegers.modOddInverseVar(n, s);
    BigInteger u1 = e.multiply(w).mod(n);
    BigInteger u2 = r.multiply(w).mod(n);
    ECPoint sum = ECAlgorithms.sumOfTwoMultiplies(curve.generator(), u1, point, u2);
    return !sum.isInfinity() && curve.xCoordinateMatches(sum, r);
  }

  static byte[] sha256(byte[] message) {
    SHA256Digest digest = new SHA256Digest();
    digest.update(message, 0, message.length);
    byte[] out = new byte[32];
    digest.doFinal(out, 0);
    return out;
  }

  @Override
  public byte[] compressed() {
    return compressed.clone();
  }

  byte[] compressedInternal() {
    return compressed;
  }

  @Override
  public String didKey() {
    return PublicKeyCodec.DID_KEY_PREFIX + multibase();
  }

  @Override
  public String multibase() {
    String m = multibase;
    if (m == null) {
      byte[] prefix = curve.multicodecPrefixInternal();
      byte[] bytes = new byte[prefix.length + compressed.length];
      System.arraycopy(prefix, 0, bytes, 0, prefix.length);
      System.arraycopy(compressed, 0, bytes, prefix.length, compressed.length);
      m = dev.atsync.cid.Multibase.encodeBase58btc(bytes);
      multibase = m;
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EcPublicKey
        && ((EcPublicKey) o).curve == curve
        && Arrays.equals(((EcPublicKey) o).compressed, compressed);
  }

  @Override
  public int hashCode() {
    return curve.hashCode() * 31 + Arrays.hashCode(compressed);
  }

  @Override
  public String toString() {
    return didKey();
  }
}
