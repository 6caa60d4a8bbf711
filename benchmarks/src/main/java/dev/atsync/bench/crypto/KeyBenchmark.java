package dev.atsync.bench.crypto;

import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.crypto.PublicKey;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Signing-key throughput: verify with a cached key (the firehose case) and with a key seen for
 * the first time, sign, and did:key parse cold (a key not in the cache: base58 decode + point
 * decompression) versus cached.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KeyBenchmark {
  /** Distinct keys cycled through by the cold-parse benchmark; far above the cache capacity. */
  private static final int COLD_KEYS = 100_000;

  @Param({"SECP256K1", "P256"})
  public Curve curve;

  private PrivateKey privateKey;
  private PublicKey publicKey;
  private byte[] message;
  private byte[] signature;
  private String didKey;
  /** Equal to {@link #didKey} but another instance, as when each event's text is parsed anew. */
  private String didKeyCopy;
  private String[] coldDidKeys;
  private int coldIndex;

  private ECDSASigner bcSigner;
  private byte[] digest;
  private BigInteger r;
  private BigInteger s;

  @Setup
  public void setUp() {
    Random random = new Random(42);
    message = new byte[220]; // about the size of a signed commit object
    random.nextBytes(message);
    privateKey = PrivateKey.generate(curve);
    didKey = privateKey.publicKey().didKey();
    publicKey = PublicKey.fromDidKey(didKey);
    didKeyCopy = new String(didKey.toCharArray());
    signature = privateKey.sign(message);
    if (!publicKey.verify(message, signature)) {
      throw new IllegalStateException("setup signature does not verify");
    }
    coldDidKeys = new String[COLD_KEYS];
    for (int i = 0; i < COLD_KEYS; i++) {
      coldDidKeys[i] = PrivateKey.generate(curve).publicKey().didKey();
    }

    // Reference point: BouncyCastle's own ECDSASigner on the same custom curve with default
    // precomputation settings for the public point.
    X9ECParameters x9 = CustomNamedCurves.getByName(curve == Curve.P256 ? "secp256r1" : "secp256k1");
    ECDomainParameters domain = new ECDomainParameters(x9);
    bcSigner = new ECDSASigner();
    bcSigner.init(false, new ECPublicKeyParameters(
        x9.getCurve().decodePoint(publicKey.compressed()), domain));
    SHA256Digest d = new SHA256Digest();
    d.update(message, 0, message.length);
    digest = new byte[32];
    d.doFinal(digest, 0);
    r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
  }

  @Benchmark
  public boolean verifyCachedKey() {
    return publicKey.verify(message, signature);
  }

  @Benchmark
  public boolean verifyBouncyCastleEcdsaSigner() {
    return bcSigner.verifySignature(digest, r, s);
  }

  @Benchmark
  public byte[] sign() {
    return privateKey.sign(message);
  }

  @Benchmark
  public PublicKey parseDidKeyCached() {
    return PublicKey.fromDidKey(didKeyCopy);
  }

  @Benchmark
  public PublicKey parseDidKeyCold() {
    int i = coldIndex;
    coldIndex = i + 1 == COLD_KEYS ? 0 : i + 1;
    return PublicKey.fromDidKey(coldDidKeys[i]);
  }

  /**
   * A key seen for the first time: parse, build its verification tables, verify. The signature
   * is another key's, so the answer is false, but every step of a verification runs.
   */
  @Benchmark
  public boolean verifyColdKey() {
    int i = coldIndex;
    coldIndex = i + 1 == COLD_KEYS ? 0 : i + 1;
    return PublicKey.fromDidKey(coldDidKeys[i]).verify(message, signature);
  }
}
