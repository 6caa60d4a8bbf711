package dev.atsync.crypto;

import java.math.BigInteger;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECCurve;
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
