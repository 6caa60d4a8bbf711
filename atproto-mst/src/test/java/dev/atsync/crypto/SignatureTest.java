package dev.atsync.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;

class SignatureTest {
  private static final byte[] MESSAGE = "sample".getBytes(StandardCharsets.US_ASCII);

  /** RFC 6979 A.2.5 (P-256, SHA-256, "sample"); atproto then takes the low-S twin of s. */
  @Test
  void rfc6979KnownAnswerP256() {
    PrivateKey key = PrivateKey.fromBytes(Curve.P256, HexFormat.of().parseHex(
        "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"));
    byte[] sig = key.sign(MESSAGE);
    BigInteger r = new BigInteger("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716", 16);
    BigInteger sRfc = new BigInteger("F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8", 16);
    assertEquals(r, new BigInteger(1, Arrays.copyOfRange(sig, 0, 32)));
    assertEquals(Curve.P256.order().subtract(sRfc), new BigInteger(1, Arrays.copyOfRange(sig, 32, 64)));
    assertTrue(key.publicKey().verify(MESSAGE, sig));
    assertArrayEquals(sig, key.sign(MESSAGE), "deterministic nonce");
  }

  @Test
  void highSTwinIsRejected() {
    for (Curve curve : Curve.values()) {
      PrivateKey key = PrivateKey.generate(curve);
      byte[] sig = key.sign(MESSAGE);
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
      byte[] high = sig.clone();
      BigIntegers.asUnsignedByteArray(curve.order().subtract(s), high, 32, 32);
      assertTrue(key.publicKey().verify(MESSAGE, sig));
      assertFalse(key.publicKey().verify(MESSAGE, high), curve + " high-S must fail");
    }
  }

  @Test
  void derEncodingIsRejected() throws Exception {
    for (Curve curve : Curve.values()) {
      PrivateKey key = PrivateKey.generate(curve);
      byte[] sig = key.sign(MESSAGE);
      ASN1EncodableVector v = new ASN1EncodableVector();
      v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(sig, 0, 32))));
      v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(sig, 32, 64))));
      byte[] der = new DERSequence(v).getEncoded();
      assertFalse(key.publicKey().verify(MESSAGE, der));
    }
  }

  @Test
  void outOfRangeAndMisSizedSignaturesFailWithoutThrowing() {
    for (Curve curve : Curve.values()) {
      PublicKey pub = PrivateKey.generate(curve).publicKey();
      byte[] sig = PrivateKey.generate(curve).sign(MESSAGE);
      byte[] n = BigIntegers.asUnsignedByteArray(32, curve.order());
      byte[] rZero = sig.clone();
      Arrays.fill(rZero, 0, 32, (byte) 0);
      byte[] sZero = sig.clone();
      Arrays.fill(sZero, 32, 64, (byte) 0);
      byte[] rIsN = sig.clone();
      System.arraycopy(n, 0, rIsN, 0, 32);
      byte[] allFf = new byte[64];
      Arrays.fill(allFf, (byte) 0xff);
      for (byte[] bad : List.of(rZero, sZero, rIsN, allFf, new byte[0], new byte[63],
          Arrays.copyOf(sig, 65), new byte[64])) {
        assertFalse(pub.verify(MESSAGE, bad));
      }
      assertFalse(pub.verify(MESSAGE, null));
    }
  }

  @Test
  void signatureFromAnotherKeyOrCurveFails() {
    PrivateKey k1 = PrivateKey.generate(Curve.SECP256K1);
    PrivateKey k2 = PrivateKey.generate(Curve.SECP256K1);
    PrivateKey p = PrivateKey.generate(Curve.P256);
    assertFalse(k2.publicKey().verify(MESSAGE, k1.sign(MESSAGE)));
    assertFalse(p.publicKey().verify(MESSAGE, k1.sign(MESSAGE)));
  }

  /** BouncyCastle stores WNAF precomputation on the shared point; it must be safe to race on. */
  @Test
  void concurrentVerificationWithOneCachedKey() throws Exception {
    PrivateKey key = PrivateKey.generate(Curve.SECP256K1);
    PublicKey pub = PublicKey.fromDidKey(key.publicKey().didKey());
    byte[] good = key.sign(MESSAGE);
    byte[] bad = good.clone();
    bad[10] ^= 4;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        boolean expectGood = i % 2 == 0;
        results.add(pool.submit(() -> pub.verify(MESSAGE, expectGood ? good : bad) == expectGood));
      }
      for (Future<Boolean> f : results) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
