package dev.atsync.crypto;

import java.math.BigInteger;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECFieldElement;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.custom.sec.SecP256K1Curve;
import org.bouncycastle.math.ec.custom.sec.SecP256R1Curve;

/**
 * The two elliptic curves atproto signs with. Both have 256-bit prime order and cofactor 1, so
 * every valid curve point other than infinity is a usable public key.
 */
public enum Curve {
  /** NIST P-256 (secp256r1), JWT algorithm {@code ES256}, multicodec {@code p256-pub} 0x1200. */
  P256("ES256", "secp256r1", 0x1200),
  /** secp256k1 (K-256), JWT algorithm {@code ES256K}, multicodec {@code secp256k1-pub} 0xe7. */
  SECP256K1("ES256K", "secp256k1", 0xe7);

  private final String jwtAlg;
  private final int multicodec;
  private final byte[] multicodecPrefix;
  // BouncyCastle's custom curves (SecP256K1Curve / SecP256R1Curve) use fixed-width field
  // arithmetic and, for secp256k1, the GLV endomorphism; the generic Fp curve is several times
  // slower, so the constructor insists on the custom implementation.
  private final X9ECParameters params;
  private final ECDomainParameters domain;
  private final BigInteger halfOrder;
  private final BigInteger fieldPrime;

  /**
   * wNAF window of a public key's tables ({@link SplitPoint}): 5, 8 odd multiples per
   * component, about 13 KB per key once split. Width 6 measured 4% faster verification for
   * twice the memory of each of the (up to 4096) cached keys.
   */
  static final int PUBLIC_KEY_WINDOW = 5;

  /** wNAF window of the base point's split tables (the widest BouncyCastle's byte digits allow). */
  static final int BASE_POINT_SPLIT_WINDOW = 8;

  Curve(String jwtAlg, String bcName, int multicodec) {
    this.jwtAlg = jwtAlg;
    this.multicodec = multicodec;
    this.multicodecPrefix = dev.atsync.cid.Varint.encode(multicodec);
    this.params = CustomNamedCurves.getByName(bcName);
    ECCurve c = params.getCurve();
    if (!(c instanceof SecP256K1Curve) && !(c instanceof SecP256R1Curve)) {
      throw new IllegalStateException("BouncyCastle returned a generic curve for " + bcName);
    }
    this.domain = new ECDomainParameters(params);
    this.halfOrder = params.getN().shiftRight(1);
    this.fieldPrime = c.getField().getCharacteristic();
    if (c.getCoordinateSystem() != ECCurve.COORD_JACOBIAN) {
      // xCoordinateMatches relies on Jacobian coordinates.
      throw new IllegalStateException(bcName + " does not use Jacobian coordinates");
    }
  }

  /**
   * Whether the affine x of the Jacobian point {@code p} (not infinity), reduced mod n, equals
   * {@code r}; compares {@code X == r * Z^2} (and {@code (r + n) * Z^2}, since {@code x} can
   * exceed n) so that verification needs no field inversion.
   */
  boolean xCoordinateMatches(ECPoint p, BigInteger r) {
    ECCurve c = params.getCurve();
    ECFieldElement x = p.getXCoord();
    ECFieldElement zz = p.getZCoord(0).square();
    if (c.fromBigInteger(r).multiply(zz).equals(x)) {
      return true;
    }
    BigInteger rPlusN = r.add(params.getN());
    return rPlusN.compareTo(fieldPrime) < 0 && c.fromBigInteger(rPlusN).multiply(zz).equals(x);
  }

  /** The JWT / JWS algorithm name: {@code ES256} or {@code ES256K}. */
  public String jwtAlg() {
    return jwtAlg;
  }

  /** The multicodec code of this curve's compressed public key ({@code 0x1200} or {@code 0xe7}). */
  public int multicodec() {
    return multicodec;
  }

  /** The curve whose JWT algorithm name is {@code alg} ({@code ES256} or {@code ES256K}). */
  public static Optional<Curve> ofJwtAlg(String alg) {
    for (Curve c : values()) {
      if (c.jwtAlg.equals(alg)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  byte[] multicodecPrefixInternal() {
    return multicodecPrefix;
  }

  ECCurve ecCurve() {
    return params.getCurve();
  }

  /**
   * The base point split for verification ({@link SplitPoint}), built on first use: 4 tables
   * of 64 odd multiples and their negations, about 100 KB per curve.
   */
  SplitPoint splitGenerator() {
    SplitPoint g = splitGenerator;
    if (g == null) {
      g = split(domain.getG(), BASE_POINT_SPLIT_WINDOW, true);
      splitGenerator = g;
    }
    return g;
  }

  private volatile SplitPoint splitGenerator;

  /** A point of this curve prepared for {@link SplitPoint#sumOfTwoMultiplies}, split or not. */
  SplitPoint split(ECPoint point, int width, boolean split) {
    org.bouncycastle.math.ec.endo.ECEndomorphism endo = params.getCurve().getEndomorphism();
    return new SplitPoint(point, width,
        endo instanceof org.bouncycastle.math.ec.endo.GLVEndomorphism
            ? (org.bouncycastle.math.ec.endo.GLVEndomorphism) endo : null, split);
  }

  /** The base point; always this one instance, so BouncyCastle's cached precomputation is reused. */
  ECPoint generator() {
    return domain.getG();
  }

  ECDomainParameters domain() {
    return domain;
  }

  BigInteger order() {
    return params.getN();
  }

  BigInteger halfOrder() {
    return halfOrder;
  }
}
