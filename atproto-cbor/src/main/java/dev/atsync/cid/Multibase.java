package dev.atsync.cid;

import java.util.Arrays;

/**
 * The two multibase encodings atproto uses: base32 lower-case without padding (prefix {@code b},
 * used for CIDs) and base58btc (prefix {@code z}, used for public keys and did:key). Decoding is
 * strict: a prefix other than these, a character outside the alphabet (upper-case base32
 * included), or non-zero padding bits are rejected with {@link InvalidCidException} naming the
 * character offset.
 */
public final class Multibase {
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final char[] BASE58 =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
  private static final byte[] BASE32_INDEX = index(BASE32);
  private static final byte[] BASE58_INDEX = index(BASE58);

  private Multibase() {}

  /** The two encodings, by multibase prefix character. */
  public enum Encoding {
    /** RFC 4648 base32, lower case, no padding: prefix {@code b}. */
    BASE32('b'),
    /** Bitcoin base58: prefix {@code z}. */
    BASE58BTC('z');

    private final char prefix;

    Encoding(char prefix) {
      this.prefix = prefix;
    }

    /** The multibase prefix character. */
    public char prefix() {
      return prefix;
    }
  }

  /** Encodes with the {@code b} prefix. */
  public static String encodeBase32(byte[] data) {
    StringBuilder sb = new StringBuilder(1 + (data.length * 8 + 4) / 5);
    sb.append('b');
    appendBase32(data, 0, data.length, sb);
    return sb.toString();
  }

  /** Appends base32 lower-case (no prefix, no padding) of {@code data[off, off+len)}. */
  public static void appendBase32(byte[] data, int off, int len, StringBuilder out) {
    int buffer = 0;
    int bits = 0;
    for (int i = off; i < off + len; i++) {
      buffer = (buffer << 8) | (data[i] & 0xFF);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out.append(BASE32[(buffer >>> bits) & 31]);
      }
    }
    if (bits > 0) {
      out.append(BASE32[(buffer << (5 - bits)) & 31]);
    }
  }

  /** Encodes with the {@code z} prefix. */
  public static String encodeBase58btc(byte[] data) {
    return "z" + base58(data);
  }

  /** Decodes a multibase string with either prefix. */
  public static byte[] decode(String s) {
    if (s.isEmpty()) {
      throw new InvalidCidException("empty multibase string", 0);
    }
    char p = s.charAt(0);
    if (p == 'b') {
      return decodeBase32(s, 1);
    }
    if (p == 'z') {
      return decodeBase58(s, 1);
    }
    throw new InvalidCidException("unsupported multibase prefix '" + p + "' (only b and z)", 0);
  }

  /** Decodes a multibase string that must use {@code encoding}. */
  public static byte[] decode(String s, Encoding encoding) {
    if (s.isEmpty() || s.charAt(0) != encoding.prefix) {
      throw new InvalidCidException("expected multibase prefix '" + encoding.prefix + "'", 0);
    }
    return encoding == Encoding.BASE32 ? decodeBase32(s, 1) : decodeBase58(s, 1);
  }

  /** Decodes base32 lower-case characters from {@code start} to the end of {@code s}. */
  static byte[] decodeBase32(String s, int start) {
    int chars = s.length() - start;
    int rem = chars % 8;
    if (rem == 1 || rem == 3 || rem == 6) {
      throw new InvalidCidException("base32 length " + chars + " is impossible", s.length());
    }
    byte[] out = new byte[chars * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int o = 0;
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      int v = c < 128 ? BASE32_INDEX[c] : -1;
      if (v < 0) {
        throw new InvalidCidException("invalid base32 character '" + c + "'", i);
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (byte) (buffer >>> bits);
      }
    }
    if ((buffer & ((1 << bits) - 1)) != 0) {
      throw new InvalidCidException("base32 has non-zero padding bits", s.length() - 1);
    }
    return out;
  }

  static String base58(byte[] data) {
    int zeros = 0;
    while (zeros < data.length && data[zeros] == 0) {
      zeros++;
    }
    byte[] input = Arrays.copyOf(data, data.length);
    char[] encoded = new char[data.length * 2];
    int out = encoded.length;
    int start = zeros;
    while (start < input.length) {
      int rem = 0;
      for (int i = start; i < input.length; i++) {
        int digit = ((rem << 8) | (input[i] & 0xFF));
        input[i] = (byte) (digit / 58);
        rem = digit % 58;
      }
      encoded[--out] = BASE58[rem];
      if (input[start] == 0) {
        start++;
      }
    }
    while (out < encoded.length && encoded[out] == BASE58[0]) {
      out++;
    }
    while (--zeros >= 0) {
      encoded[--out] = BASE58[0];
    }
    return new String(encoded, out, encoded.length - out);
  }

  static byte[] decodeBase58(String s, int start) {
    int len = s.length() - start;
    if (len == 0) {
      return new byte[0];
    }
    byte[] input58 = new byte[len];
    for (int i = 0; i < len; i++) {
      char c = s.charAt(start + i);
      int v = c < 128 ? BASE58_INDEX[c] : -1;
      if (v < 0) {
        throw new InvalidCidException("invalid base58btc character '" + c + "'", start + i);
      }
      input58[i] = (byte) v;
    }
    int zeros = 0;
    while (zeros < len && input58[zeros] == 0) {
      zeros++;
    }
    byte[] decoded = new byte[len];
    int out = decoded.length;
    int st = zeros;
    while (st < len) {
      int rem = 0;
      for (int i = st; i < len; i++) {
        int digit = rem * 58 + (input58[i] & 0xFF);
        input58[i] = (byte) (digit / 256);
        rem = digit % 256;
      }
      decoded[--out] = (byte) rem;
      if (input58[st] == 0) {
        st++;
      }
    }
    while (out < decoded.length && decoded[out] == 0) {
      out++;
    }
    return Arrays.copyOfRange(decoded, out - zeros, decoded.length);
  }

  private static byte[] index(char[] alphabet) {
    byte[] idx = new byte[128];
    Arrays.fill(idx, (byte) -1);
    for (int i = 0; i < alphabet.length; i++) {
      idx[alphabet[i]] = (byte) i;
    }
    return idx;
  }
}
