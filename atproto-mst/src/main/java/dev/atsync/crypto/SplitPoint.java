package dev.atsync.crypto;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.WNafPreCompInfo;
import org.bouncycastle.math.ec.WNafUtil;
import org.bouncycastle.math.ec.endo.GLVEndomorphism;

/**
 * A point prepared for verification: wNAF tables of the point and, when split, of its multiples
 * spaced 2^64 apart, so that a 256-bit scalar becomes 64-bit digit strings that share 64 point
 * doublings instead of 128 (secp256k1 with the GLV split alone) or 256 (P-256).
 *
 * <p>Why: an ECDSA verification computes {@code u1*G + u2*Q}; interleaving the digit strings
 * makes the number of doublings the length of the longest string, and those doublings were
 * over half of the verification's cost. The price is paid once per point: 64 (secp256k1) or 192
 * (P-256) doublings and the extra tables. That pays off for the base point and for keys that
 * verify more than once; a key seen once is better served unsplit (see {@link EcPublicKey}).
 *
 * <p>On secp256k1 the scalar is first split by the GLV endomorphism into two signed halves of
 * about 128 bits, {@code k = a + b*lambda}; split, each half is cut into a low and a high 64-bit
 * part, with tables for {@code P, 2^64 P} and their images under the endomorphism. On P-256 a
 * split scalar is cut into four 64-bit parts, with tables for {@code P, 2^64 P, 2^128 P, 2^192 P}.
 */
final class SplitPoint {
  private static final int CHUNK_BITS = 64;
  private static final BigInteger CHUNK_MASK = BigInteger.ONE.shiftLeft(CHUNK_BITS).subtract(BigInteger.ONE);
  /** BouncyCastle's byte wNAF holds digits of at most 8-bit windows. */
  private static final int MAX_WIDTH = 8;

  private final GLVEndomorphism glv;
  /** Chunks per scalar (or per GLV half): 1 when unsplit. */
  private final int chunks;
  /** Per component (chunks, then for GLV the images of the chunks): odd multiples and negations. */
  private final ECPoint[][] positive;
  private final ECPoint[][] negative;
  private final int[] widths;

  /**
   * @param point a normalized, non-infinity point
   * @param width the wNAF window (2..8); wider tables mean fewer additions and more memory
   * @param glv the curve's GLV endomorphism, or null for a curve without one
   * @param split whether to cut scalars into 64-bit chunks (more tables, fewer doublings)
   */
  SplitPoint(ECPoint point, int width, GLVEndomorphism glv, boolean split) {
    this.glv = glv;
    this.chunks = !split ? 1 : glv != null ? 2 : 4;
    int components = glv != null ? 2 * chunks : chunks;
    positive = new ECPoint[components][];
    negative = new ECPoint[components][];
    widths = new int[components];
    ECPoint base = point;
    for (int c = 0; c < chunks; c++) {
      WNafPreCompInfo info = WNafUtil.precompute(base, width, true);
      keep(c, info);
      if (glv != null) {
        ECPoint image = glv.getPointMap().map(base);
        keep(chunks + c, WNafUtil.precomputeWithPointMap(image, glv.getPointMap(), info, true));
      }
      if (c + 1 < chunks) {
        base = base.timesPow2(CHUNK_BITS).normalize();
      }
    }
  }

  /** Whether scalars are cut into 64-bit chunks against these tables. */
  boolean isSplit() {
    return chunks > 1;
  }

  private void keep(int component, WNafPreCompInfo info) {
    positive[component] = info.getPreComp();
    negative[component] = info.getPreCompNeg();
    widths[component] = Math.min(MAX_WIDTH, info.getWidth());
  }

  /**
   * {@code a*p + b*q} for scalars in {@code [0, n)}; both points must be on the same curve
   * (each may be split or not).
   */
  static ECPoint sumOfTwoMultiplies(SplitPoint p, BigInteger a, SplitPoint q, BigInteger b) {
    int np = p.positive.length;
    int count = np + q.positive.length;
    byte[][] digits = new byte[count][];
    ECPoint[][] plus = new ECPoint[count][];
    ECPoint[][] minus = new ECPoint[count][];
    p.digits(a, digits, plus, minus, 0);
    q.digits(b, digits, plus, minus, np);
    int length = 0;
    for (byte[] d : digits) {
      length = Math.max(length, d.length);
    }
    // Horner from the top digit: double, then add this position's table entries. Entries are
    // affine, so each addition is a mixed one (cheaper than adding a pre-summed Jacobian point).
    ECPoint sum = p.positive[0][0].getCurve().getInfinity();
    int pendingDoublings = 0;
    for (int i = length - 1; i >= 0; i--) {
      pendingDoublings++;
      for (int j = 0; j < count; j++) {
        byte[] d = digits[j];
        int digit = i < d.length ? d[i] : 0;
        if (digit != 0) {
          if (pendingDoublings > 0) {
            sum = sum.timesPow2(pendingDoublings);
            pendingDoublings = 0;
          }
          sum = sum.add((digit > 0 ? plus[j] : minus[j])[Math.abs(digit) >>> 1]);
        }
      }
    }
    return pendingDoublings > 0 ? sum.timesPow2(pendingDoublings) : sum;
  }

  /** Fills the digit strings and tables of this point's components for scalar {@code k}. */
  private void digits(BigInteger k, byte[][] digits, ECPoint[][] plus, ECPoint[][] minus, int at) {
    if (glv == null) {
      chunked(k, false, 0, digits, plus, minus, at);
      return;
    }
    BigInteger[] halves = glv.decomposeScalar(k); // k = a + b*lambda (mod n), |a|, |b| ~ 2^128
    for (int h = 0; h < 2; h++) {
      chunked(halves[h].abs(), halves[h].signum() < 0, h * chunks, digits, plus, minus, at + h * chunks);
    }
  }

  private void chunked(BigInteger magnitude, boolean negated, int firstComponent, byte[][] digits,
      ECPoint[][] plus, ECPoint[][] minus, int at) {
    for (int c = 0; c < chunks; c++) {
      BigInteger part = magnitude.shiftRight(c * CHUNK_BITS);
      if (c + 1 < chunks) {
        part = part.and(CHUNK_MASK);
      }
      int component = firstComponent + c;
      digits[at + c] = WNafUtil.generateWindowNaf(widths[component], part);
      plus[at + c] = negated ? negative[component] : positive[component];
      minus[at + c] = negated ? positive[component] : negative[component];
    }
  }
}
