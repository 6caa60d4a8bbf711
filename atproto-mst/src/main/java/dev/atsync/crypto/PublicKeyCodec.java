package dev.atsync.crypto;

import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Multibase;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Parses the textual and binary public key encodings and keeps a bounded cache of the results.
 *
 * <p>The cache is a size-limited concurrent map rather than a strict LRU: when it is full, an
 * eighth of the entries are dropped in iteration order. That keeps lookups lock-free, and for
 * the workload (a working set of active repositories' keys) an approximate policy costs at most
 * an occasional re-decompression.
 */
final class PublicKeyCodec {
  static final String DID_KEY_PREFIX = "did:key:";
  /**
   * Longest accepted text. A 2-byte multicodec plus a 65-byte uncompressed point is 67 bytes,
   * at most 92 base58 characters; anything much longer is rejected before decoding, because
   * base58 decoding is quadratic in the input length.
   */
  static final int MAX_TEXT_LENGTH = 128;
  /**
   * Entries, not keys: one key can sit under its did:key, multibase and raw forms. Each key used
   * for verification more than once also carries its split tables (about 13 KB), so this bounds
   * the cache to about 50 MB.
   */
  static final int CACHE_CAPACITY = 4096;

  private static final ConcurrentHashMap<String, EcPublicKey> CACHE = new ConcurrentHashMap<>();

  private PublicKeyCodec() {}

  static PublicKey fromDidKey(String didKey) {
    Objects.requireNonNull(didKey, "didKey");
    EcPublicKey cached = CACHE.get(didKey);
    if (cached != null) {
      return cached;
    }
    if (!didKey.startsWith(DID_KEY_PREFIX)) {
      throw new KeyException("not a did:key (must start with \"did:key:\"): " + abbreviate(didKey));
    }
    EcPublicKey key = parseMultikey(didKey.substring(DID_KEY_PREFIX.length()), didKey);
    return remember(didKey, key);
  }

  static PublicKey fromMultibase(String multibase) {
    Objects.requireNonNull(multibase, "multibase");
    String cacheKey = "mb:" + multibase;
    EcPublicKey cached = CACHE.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    return remember(cacheKey, parseMultikey(multibase, multibase));
  }

  static PublicKey fromLegacyMultibase(Curve curve, String multibase) {
    Objects.requireNonNull(curve, "curve");
    Objects.requireNonNull(multibase, "multibase");
    String cacheKey = "legacy:" + curve.name() + ':' + multibase;
    EcPublicKey cached = CACHE.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    byte[] bytes = decodeBase58(multibase, multibase);
    return remember(cacheKey, fromPointBytes(curve, bytes, 0, multibase));
  }

  static PublicKey fromCompressed(Curve curve, byte[] compressed33) {
    Objects.requireNonNull(curve, "curve");
    Objects.requireNonNull(compressed33, "compressed33");
    if (compressed33.length != 33 || (compressed33[0] != 2 && compressed33[0] != 3)) {
      throw new KeyException(
          "compressed " + curve + " public key must be 33 bytes starting 02 or 03, got "
              + compressed33.length + " bytes");
    }
    return fromPointBytes(curve, compressed33, 0, "compressed key");
  }

  /** Parses {@code z} + base58btc(multicodec varint + point). */
  private static EcPublicKey parseMultikey(String multibase, String whole) {
    byte[] bytes = decodeBase58(multibase, whole);
    for (Curve curve : Curve.values()) {
      byte[] prefix = curve.multicodecPrefixInternal();
      if (startsWith(bytes, prefix)) {
        return fromPointBytes(curve, bytes, prefix.length, whole);
      }
    }
    throw new KeyException(
        "unsupported multicodec (need secp256k1-pub e701 or p256-pub 8024), key starts with "
            + HexFormat.of().formatHex(bytes, 0, Math.min(2, bytes.length)) + ": "
            + abbreviate(whole));
  }

  private static byte[] decodeBase58(String multibase, String whole) {
    if (multibase.length() > MAX_TEXT_LENGTH) {
      throw new KeyException(
          "key text is " + multibase.length() + " characters, more than " + MAX_TEXT_LENGTH
              + ": " + abbreviate(whole));
    }
    try {
      return Multibase.decode(multibase, Multibase.Encoding.BASE58BTC);
    } catch (DataModelException e) {
      throw new KeyException("bad base58btc multibase in " + abbreviate(whole) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Decodes a SEC1 point at {@code bytes[offset..]}: 33-byte compressed (02/03) or, as legacy
   * input, 65-byte uncompressed (04). Hybrid (06/07) and infinity encodings are rejected.
   */
  private static EcPublicKey fromPointBytes(Curve curve, byte[] bytes, int offset, String what) {
    int len = bytes.length - offset;
    int tag = len > 0 ? bytes[offset] & 0xff : -1;
    boolean compressed = len == 33 && (tag == 2 || tag == 3);
    boolean uncompressed = len == 65 && tag == 4;
    if (!compressed && !uncompressed) {
      throw new KeyException(
          curve + " public key must be a 33-byte compressed (or 65-byte uncompressed) point, got "
              + len + " bytes starting " + (tag < 0 ? "with nothing" : String.format("%02x", tag))
              + " in " + abbreviate(what));
    }
    byte[] point = offset == 0 && len == bytes.length ? bytes : java.util.Arrays.copyOfRange(bytes, offset, bytes.length);
    String rawKey = null;
    if (compressed) {
      rawKey = "raw:" + curve.name() + ':' + HexFormat.of().formatHex(point);
      EcPublicKey cached = CACHE.get(rawKey);
      if (cached != null) {
        return cached;
      }
    }
    ECPoint p;
    try {
      p = curve.ecCurve().decodePoint(point);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new KeyException("not a point on " + curve + ": " + abbreviate(what), e);
    }
    if (p.isInfinity() || !p.isValid()) {
      throw new KeyException("not a valid point on " + curve + ": " + abbreviate(what));
    }
    EcPublicKey key = new EcPublicKey(curve, p);
    if (rawKey == null) {
      rawKey = "raw:" + curve.name() + ':' + HexFormat.of().formatHex(key.compressedInternal());
    }
    return remember(rawKey, key);
  }

  private static EcPublicKey remember(String cacheKey, EcPublicKey key) {
    if (CACHE.size() >= CACHE_CAPACITY) {
      int drop = CACHE_CAPACITY / 8;
      Iterator<String> it = CACHE.keySet().iterator();
      while (drop-- > 0 && it.hasNext()) {
        it.next();
        it.remove();
      }
    }
    EcPublicKey prior = CACHE.putIfAbsent(cacheKey, key);
    return prior != null ? prior : key;
  }

  static int cacheSize() {
    return CACHE.size();
  }

  static void clearCache() {
    CACHE.clear();
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static String abbreviate(String s) {
    return s.length() <= 100 ? '"' + s + '"' : '"' + s.substring(0, 100) + "...\" (" + s.length() + " chars)";
  }
}
