package dev.atsync.mst;

import dev.atsync.cbor.internal.Sha256;
import java.security.MessageDigest;

/** The key arithmetic of the MST: heights and shared prefixes. */
public final class MstKeys {
  private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(Sha256::newDigest);

  private MstKeys() {}

  /**
   * A key's height (layer): the number of leading zero bits of SHA-256 of the key, counted in
   * 2-bit steps (fanout 4).
   */
  public static int height(byte[] key) {
    byte[] h = SHA.get().digest(key);
    int zeros = 0;
    for (byte b : h) {
      if (b == 0) {
        zeros += 8;
        continue;
      }
      zeros += Integer.numberOfLeadingZeros(b & 0xFF) - 24;
      break;
    }
    return zeros / 2;
  }

  /** {@link #height(byte[])} of an ASCII key. */
  public static int height(String key) {
    return height(Node.ascii(key));
  }

  /** Number of leading bytes {@code a} and {@code b} share. */
  public static int commonPrefixLength(byte[] a, byte[] b) {
    int n = Math.min(a.length, b.length);
    int m = java.util.Arrays.mismatch(a, 0, n, b, 0, n);
    return m < 0 ? n : m;
  }
}
