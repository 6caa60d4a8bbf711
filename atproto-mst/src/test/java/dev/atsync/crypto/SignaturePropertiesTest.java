package dev.atsync.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class SignaturePropertiesTest {
  private static final PrivateKey K256 = PrivateKey.generate(Curve.SECP256K1);
  private static final PrivateKey P256 = PrivateKey.generate(Curve.P256);

  private static PrivateKey key(Curve curve) {
    return curve == Curve.P256 ? P256 : K256;
  }

  @Property(tries = 300)
  void signVerifyRoundTripIsLowS(@ForAll Curve curve, @ForAll @Size(max = 512) byte[] message) {
    PrivateKey key = key(curve);
    byte[] sig = key.sign(message);
    assertEquals(64, sig.length);
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    assertTrue(s.compareTo(curve.halfOrder()) <= 0, "low-S");
    assertTrue(key.publicKey().verify(message, sig));
  }

  @Property(tries = 200)
  void flippingAMessageBitFails(
      @ForAll Curve curve, @ForAll @Size(min = 1, max = 256) byte[] message,
      @ForAll @IntRange(min = 0, max = 2047) int bit) {
    PrivateKey key = key(curve);
    byte[] sig = key.sign(message);
    byte[] tampered = message.clone();
    int b = bit % (message.length * 8);
    tampered[b / 8] ^= (byte) (1 << (b % 8));
    assertFalse(key.publicKey().verify(tampered, sig));
  }

  @Property(tries = 300)
  void flippingASignatureBitFails(
      @ForAll Curve curve, @ForAll @Size(max = 256) byte[] message,
      @ForAll @IntRange(min = 0, max = 511) int bit) {
    PrivateKey key = key(curve);
    byte[] sig = key.sign(message);
    sig[bit / 8] ^= (byte) (1 << (bit % 8));
    assertFalse(key.publicKey().verify(message, sig));
  }

  @Property(tries = 200)
  void didKeyRoundTrip(@ForAll Curve curve) {
    PublicKey pub = PrivateKey.generate(curve).publicKey();
    PublicKey parsed = PublicKey.fromDidKey(pub.didKey());
    assertEquals(pub, parsed);
    assertEquals(pub.didKey(), parsed.didKey());
    assertSame(parsed, PublicKey.fromDidKey(pub.didKey()));
    assertEquals(pub, PublicKey.fromMultibase(pub.multibase()));
    assertEquals(pub, PublicKey.fromCompressed(curve, pub.compressed()));
  }

  @Property(tries = 300)
  void privateKeyBytesRoundTrip(@ForAll Curve curve) {
    PrivateKey k = PrivateKey.generate(curve);
    PrivateKey again = PrivateKey.fromBytes(curve, k.toBytes());
    assertEquals(k.publicKey(), again.publicKey());
  }

  /** Arbitrary bytes as a signature: never an exception, and (overwhelmingly) not valid. */
  @Property(tries = 500)
  void randomSignaturesNeverThrow(@ForAll Curve curve, @ForAll @Size(max = 80) byte[] sig) {
    assertFalse(key(curve).publicKey().verify(new byte[] {1}, sig));
  }

  /** Arbitrary key bytes: either a valid key or a KeyException, nothing else. */
  @Property
  void arbitraryCompressedBytesParseOrThrowKeyException(
      @ForAll Curve curve, @ForAll @Size(max = 40) byte[] bytes) {
    try {
      PublicKey k = PublicKey.fromCompressed(curve, bytes);
      assertEquals(33, k.compressed().length);
    } catch (KeyException expected) {
      // the only permitted failure
    }
  }

  @Property
  void arbitraryTextParsesOrThrowsKeyException(@ForAll @Size(max = 120) String text) {
    for (String candidate : new String[] {text, "did:key:" + text, "did:key:z" + text, "z" + text}) {
      try {
        PublicKey.fromDidKey(candidate);
      } catch (KeyException expected) {
        // the only permitted failure
      }
      try {
        PublicKey.fromMultibase(candidate);
      } catch (KeyException expected) {
        // the only permitted failure
      }
    }
  }
}
