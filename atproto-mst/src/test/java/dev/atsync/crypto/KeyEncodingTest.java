package dev.atsync.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cid.Multibase;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyEncodingTest {
  // From the atproto interop vectors' W3C set; repeated here only as example inputs.
  private static final String K256_DID = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme";
  private static final String P256_DID = "did:key:zDnaembgSGUhZULN2Caob4HLJPaxBh92N7rtH21TErzqf8HQo";

  @Test
  void curvesExposeSpecNames() {
    assertEquals("ES256", Curve.P256.jwtAlg());
    assertEquals("ES256K", Curve.SECP256K1.jwtAlg());
    assertEquals(0x1200, Curve.P256.multicodec());
    assertEquals(0xe7, Curve.SECP256K1.multicodec());
    assertEquals(Curve.SECP256K1, Curve.ofJwtAlg("ES256K").orElseThrow());
    assertTrue(Curve.ofJwtAlg("EdDSA").isEmpty());
  }

  @Test
  void bouncyCastleCustomCurvesAreUsed() {
    assertTrue(Curve.SECP256K1.ecCurve() instanceof org.bouncycastle.math.ec.custom.sec.SecP256K1Curve);
    assertTrue(Curve.P256.ecCurve() instanceof org.bouncycastle.math.ec.custom.sec.SecP256R1Curve);
    assertTrue(Curve.SECP256K1.ecCurve().getEndomorphism() != null, "GLV endomorphism available");
  }

  @Test
  void didKeyPrefixesMatchCurve() {
    assertEquals(Curve.SECP256K1, PublicKey.fromDidKey(K256_DID).curve());
    assertEquals(Curve.P256, PublicKey.fromDidKey(P256_DID).curve());
    assertTrue(PrivateKey.generate(Curve.SECP256K1).publicKey().didKey().startsWith("did:key:zQ3s"));
    assertTrue(PrivateKey.generate(Curve.P256).publicKey().didKey().startsWith("did:key:zDna"));
  }

  @Test
  void encodingsAgree() {
    PublicKey k = PublicKey.fromDidKey(K256_DID);
    assertEquals(K256_DID, k.didKey());
    assertEquals(K256_DID.substring("did:key:".length()), k.multibase());
    assertEquals(k, PublicKey.fromMultibase(k.multibase()));
    assertEquals(k, PublicKey.fromCompressed(Curve.SECP256K1, k.compressed()));
    byte[] c = k.compressed();
    assertEquals(33, c.length);
    c[0] ^= 1;
    assertEquals(0x02, k.compressed()[0] & 0xfe, "compressed() returns a copy");
  }

  @Test
  void parsedKeysAreCached() {
    PublicKey a = PublicKey.fromDidKey(P256_DID);
    assertSame(a, PublicKey.fromDidKey(P256_DID));
    assertSame(a, PublicKey.fromCompressed(Curve.P256, a.compressed()));
    assertSame(a, PublicKey.fromMultibase(a.multibase()));
  }

  @Test
  void cacheStaysBounded() {
    for (int i = 0; i < PublicKeyCodec.CACHE_CAPACITY + 100; i++) {
      PublicKey.fromCompressed(Curve.SECP256K1, PrivateKey.generate(Curve.SECP256K1).publicKey().compressed());
    }
    assertTrue(PublicKeyCodec.cacheSize() <= PublicKeyCodec.CACHE_CAPACITY,
        "cache size " + PublicKeyCodec.cacheSize());
  }

  @Test
  void uncompressedPointsAreAcceptedAndReencodedCompressed() {
    PublicKey k = PublicKey.fromDidKey(K256_DID);
    byte[] uncompressed = Curve.SECP256K1.ecCurve().decodePoint(k.compressed()).getEncoded(false);
    byte[] prefixed = new byte[67];
    prefixed[0] = (byte) 0xe7;
    prefixed[1] = 0x01;
    System.arraycopy(uncompressed, 0, prefixed, 2, 65);
    PublicKey viaDid = PublicKey.fromDidKey("did:key:" + Multibase.encodeBase58btc(prefixed));
    assertEquals(k, viaDid);
    assertEquals(K256_DID, viaDid.didKey());
    assertEquals(k, PublicKey.fromLegacyMultibase(Curve.SECP256K1, Multibase.encodeBase58btc(uncompressed)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "did:key:",
      "did:key:z",
      "did:web:example.com",
      "did:key:mQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", // wrong multibase prefix
      "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBm0", // '0' is not base58
      "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYB", // truncated
      "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", // ed25519
  })
  void malformedDidKeysThrowKeyException(String text) {
    assertThrows(KeyException.class, () -> PublicKey.fromDidKey(text));
  }

  @Test
  void overlongTextIsRejectedBeforeDecoding() {
    String huge = "did:key:z" + "2".repeat(1_000_000);
    KeyException e = assertThrows(KeyException.class, () -> PublicKey.fromDidKey(huge));
    assertTrue(e.getMessage().contains("more than"), e.getMessage());
  }

  @Test
  void wrongCurveMulticodecIsUnsupported() {
    byte[] bytes = new byte[35];
    bytes[0] = (byte) 0xed; // ed25519-pub
    bytes[1] = 0x01;
    bytes[2] = 2;
    KeyException e = assertThrows(KeyException.class,
        () -> PublicKey.fromMultibase(Multibase.encodeBase58btc(bytes)));
    assertTrue(e.getMessage().contains("multicodec"), e.getMessage());
  }

  @Test
  void offCurvePointsThrow() {
    // x = 5 has no secp256k1 y (5^3 + 7 = 132 is not a square mod p); checked below via decode.
    byte[] c = new byte[33];
    c[0] = 2;
    c[32] = 5;
    assertThrows(KeyException.class, () -> PublicKey.fromCompressed(Curve.SECP256K1, c));
    // x >= p is not a field element.
    byte[] big = new byte[33];
    Arrays.fill(big, (byte) 0xff);
    big[0] = 3;
    assertThrows(KeyException.class, () -> PublicKey.fromCompressed(Curve.P256, big));
    // Uncompressed point whose y does not match x.
    byte[] u = Curve.P256.ecCurve().decodePoint(PublicKey.fromDidKey(P256_DID).compressed()).getEncoded(false);
    u[64] ^= 1;
    assertThrows(KeyException.class, () -> PublicKey.fromLegacyMultibase(Curve.P256, Multibase.encodeBase58btc(u)));
  }

  @Test
  void badCompressedShapesThrow() {
    byte[] valid = PublicKey.fromDidKey(K256_DID).compressed();
    assertThrows(KeyException.class, () -> PublicKey.fromCompressed(Curve.SECP256K1, Arrays.copyOf(valid, 32)));
    assertThrows(KeyException.class, () -> PublicKey.fromCompressed(Curve.SECP256K1, Arrays.copyOf(valid, 34)));
    byte[] hybrid = valid.clone();
    hybrid[0] = 6;
    assertThrows(KeyException.class, () -> PublicKey.fromCompressed(Curve.SECP256K1, hybrid));
    byte[] infinity = new byte[33];
    assertThrows(KeyException.class, () -> PublicKey.fromCompressed(Curve.SECP256K1, infinity));
    byte[] hybridLong = Curve.SECP256K1.ecCurve().decodePoint(valid).getEncoded(false);
    hybridLong[0] = (byte) (6 | (hybridLong[64] & 1));
    assertThrows(KeyException.class,
        () -> PublicKey.fromLegacyMultibase(Curve.SECP256K1, Multibase.encodeBase58btc(hybridLong)));
  }

  @Test
  void privateKeyBytesAreValidated() {
    assertThrows(KeyException.class, () -> PrivateKey.fromBytes(Curve.P256, new byte[31]));
    assertThrows(KeyException.class, () -> PrivateKey.fromBytes(Curve.P256, new byte[32]));
    byte[] n = Curve.SECP256K1.order().toByteArray();
    byte[] n32 = Arrays.copyOfRange(n, n.length - 32, n.length);
    assertThrows(KeyException.class, () -> PrivateKey.fromBytes(Curve.SECP256K1, n32));
    PrivateKey k = PrivateKey.generate(Curve.SECP256K1);
    assertArrayEquals(k.toBytes(), PrivateKey.fromBytes(Curve.SECP256K1, k.toBytes()).toBytes());
    assertNotSame(k.toBytes(), k.toBytes());
    assertTrue(!k.toString().contains(HexFormat.of().formatHex(k.toBytes())));
  }
}
