package dev.atsync.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** The split multiplication against BouncyCastle's reference double-and-add. */
class SplitPointTest {

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  static ECPoint randomPoint(Curve curve) {
    return curve.generator().multiply(new BigInteger(255, RANDOM).mod(curve.order()).add(BigInteger.ONE)).normalize();
  }

  @Provide
  Arbitrary<BigInteger> scalar() {
    BigInteger n = Curve.SECP256K1.order().max(Curve.P256.order());
    Arbitrary<BigInteger> random = Arbitraries.bigIntegers().between(BigInteger.ZERO, n.subtract(BigInteger.ONE));
    Arbitrary<BigInteger> chunkEdges = Arbitraries.integers().between(0, 255)
        .map(bit -> BigInteger.ONE.shiftLeft(bit).subtract(BigInteger.ONE));
    Arbitrary<BigInteger> powers = Arbitraries.integers().between(0, 255).map(BigInteger.ONE::shiftLeft);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, random), net.jqwik.api.Tuple.of(2, chunkEdges), net.jqwik.api.Tuple.of(2, powers));
  }

  @Property(tries = 300)
  void sumOfTwoMultipliesMatchesTheReference(@ForAll Curve curve, @ForAll boolean split,
      @ForAll("scalar") BigInteger a, @ForAll("scalar") BigInteger b) {
    BigInteger n = curve.order();
    a = a.mod(n);
    b = b.mod(n);
    ECPoint q = randomPoint(curve);
    ECPoint expected = ECAlgorithms.referenceMultiply(curve.generator(), a)
        .add(ECAlgorithms.referenceMultiply(q, b)).normalize();
    ECPoint got = SplitPoint.sumOfTwoMultiplies(curve.splitGenerator(), a,
        curve.split(q, Curve.PUBLIC_KEY_WINDOW, split), b).normalize();
    assertEquals(expected, got);
  }

  @Test
  void edgeScalarsOnBothCurves() {
    for (Curve curve : Curve.values()) {
      for (boolean split : new boolean[] {false, true}) {
        edgeScalars(curve, split);
      }
    }
  }

  private static void edgeScalars(Curve curve, boolean split) {
    BigInteger n = curve.order();
    ECPoint q = randomPoint(curve);
    SplitPoint sq = curve.split(q, Curve.PUBLIC_KEY_WINDOW, split);
    List<BigInteger> edges = new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE, n.subtract(BigInteger.ONE),
        n.shiftRight(1), BigInteger.ONE.shiftLeft(64), BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE),
        BigInteger.ONE.shiftLeft(192), BigInteger.ONE.shiftLeft(255).mod(n)));
    for (BigInteger a : edges) {
      for (BigInteger b : edges) {
        ECPoint expected = ECAlgorithms.referenceMultiply(curve.generator(), a)
            .add(ECAlgorithms.referenceMultiply(q, b)).normalize();
        ECPoint got = SplitPoint.sumOfTwoMultiplies(curve.splitGenerator(), a, sq, b).normalize();
        assertEquals(expected, got, curve + (split ? " split" : "") + " a=" + a + " b=" + b);
      }
    }
    // with Q = G, a*G + (n-a)*G is infinity
    SplitPoint sg = curve.splitGenerator();
    BigInteger a = BigInteger.valueOf(12345);
    assertTrue(SplitPoint.sumOfTwoMultiplies(sg, a, sg, n.subtract(a)).isInfinity());
  }
}
