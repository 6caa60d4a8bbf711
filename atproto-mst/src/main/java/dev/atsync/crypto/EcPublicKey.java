package dev.atsync.crypto;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * The one {@link PublicKey} implementation. It keeps the normalized (affine) point and, from its
 * first verification on, the point's {@link SplitPoint} tables, which every later verification
 * reuses; that reuse is why keys are cached.
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
    ECPoint sum = SplitPoint.sumOfTwoMultiplies(curve.splitGenerator(), u1, tables(), u2);
    return !sum.isInfinity() && curve.xCoordinateMatches(sum, r);
  }

  /**
   * This key's tables for verification. The first verification builds the cheap unsplit tables
   * (a key seen once, common when a relay sees far more accounts than the key cache holds); the
   * second replaces them with split ones, which cost about as much as one verification to build
   * and save about a quarter of every later one.
   */
  private SplitPoint tables() {
    SplitPoint t = tables;
    if (t == null || !t.isSplit()) {
      t = curve.split(point, Curve.PUBLIC_KEY_WINDOW, t != null);
      tables = t;
    }
    return t;
  }

  private volatile SplitPoint tables;

  /** The JDK's SHA-256 (hardware-accelerated where the CPU has SHA extensions). */
  static byte[] sha256(byte[] message) {
    return dev.atsync.cbor.internal.Sha256.newDigest().digest(message);
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
