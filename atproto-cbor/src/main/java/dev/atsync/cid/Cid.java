package dev.atsync.cid;

import dev.atsync.cbor.internal.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A content identifier as atproto allows it: CIDv1, codec dag-cbor ({@code 0x71}) or raw
 * ({@code 0x55}), multihash sha2-256 with a 32-byte digest. Every other version, codec or hash
 * is rejected with {@link InvalidCidException}.
 *
 * <p>The binary form is always 36 bytes: {@code 0x01, codec, 0x12, 0x20, digest[32]}. The string
 * form is multibase base32 lower-case, starting with {@code b}.
 *
 * <p>A final class rather than a record: it wraps a byte array, which must be copied on the way
 * in and out and compared by content; its hash code and string form are computed once.
 */
public final class Cid implements Comparable<Cid> {
  /** Length of the binary form. */
  public static final int BINARY_LENGTH = 36;
  /** Length of the base32 string form, prefix included. */
  public static final int STRING_LENGTH = 59;

  private static final int SHA2_256 = 0x12;
  private static final int DIGEST_LENGTH = 32;

  /** The content codecs atproto uses. */
  public enum Codec {
    /** DAG-CBOR: records, MST nodes, commits. */
    DAG_CBOR(0x71),
    /** Raw bytes: blobs. */
    RAW(0x55);

    private final int code;

    Codec(int code) {
      this.code = code;
    }

    /** The multicodec code. */
    public int code() {
      return code;
    }

    static Codec of(int code, long offset) {
      if (code == 0x71) {
        return DAG_CBOR;
      }
      if (code == 0x55) {
        return RAW;
      }
      throw new InvalidCidException(
          "unsupported CID codec 0x" + Integer.toHexString(code) + " (only dag-cbor 0x71 and raw 0x55)",
          offset);
    }
  }

  private final byte[] bytes;
  private final int hash;
  private String string;

  private Cid(byte[] bytes) {
    this.bytes = bytes;
    // The first four digest bytes are already uniformly distributed: hashing all 36 bytes cost
    // more than the rest of decoding a link.
    this.hash = (bytes[4] & 0xFF) << 24 | (bytes[5] & 0xFF) << 16 | (bytes[6] & 0xFF) << 8 | (bytes[7] & 0xFF);
  }

  /** The CID of {@code data} under {@code codec}: a sha2-256 hash of the bytes. */
  public static Cid compute(Codec codec, byte[] data) {
    return compute(codec, data, 0, data.length);
  }

  /** The CID of {@code data[off, off+len)} under {@code codec}. */
  public static Cid compute(Codec codec, byte[] data, int off, int len) {
    MessageDigest sha = Sha256.newDigest();
    sha.update(data, off, len);
    return ofDigest(codec, sha.digest());
  }

  /** The dag-cbor CID of an encoded block. */
  public static Cid ofDagCbor(byte[] block) {
    return compute(Codec.DAG_CBOR, block);
  }

  /** A CID from a codec and a 32-byte sha2-256 digest. */
  public static Cid ofDigest(Codec codec, byte[] sha256Digest) {
    if (sha256Digest.length != DIGEST_LENGTH) {
      throw new IllegalArgumentException("sha2-256 digest must be 32 bytes, got " + sha256Digest.length);
    }
    byte[] b = new byte[BINARY_LENGTH];
    b[0] = 0x01;
    b[1] = (byte) codec.code;
    b[2] = SHA2_256;
    b[3] = DIGEST_LENGTH;
    System.arraycopy(sha256Digest, 0, b, 4, DIGEST_LENGTH);
    return new Cid(b);
  }

  /** Parses the binary form; the array must hold exactly one CID. */
  public static Cid decode(byte[] binary) {
    return decode(binary, 0, binary.length);
  }

  /**
   * Parses the binary form from {@code data[off, off+len)}, which must hold exactly one CID.
   * Error offsets are relative to {@code data}.
   */
  public static Cid decode(byte[] data, int off, int len) {
    int n = prefixLength(data, off, off + len);
    if (n != len) {
      throw new InvalidCidException(
          "CID has " + (len - n) + " trailing bytes after its " + n + "-byte form", off + n);
    }
    return new Cid(Arrays.copyOfRange(data, off, off + len));
  }

  /**
   * Length of the CID starting at {@code off} (always {@value #BINARY_LENGTH} when valid), for
   * readers that find a CID at the front of a larger buffer, such as a CAR section.
   *
   * @throws InvalidCidException if the bytes there are not a valid atproto CID
   */
  public static int prefixLength(byte[] data, int off, int limit) {
    if (limit - off < 4) {
      throw new InvalidCidException("truncated CID: " + Math.max(0, limit - off) + " bytes", off);
    }
    int version = data[off] & 0xFF;
    if (version == 0x12 && (data[off + 1] & 0xFF) == 0x20) {
      throw new InvalidCidException("CIDv0 is not allowed, only CIDv1", off);
    }
    if (version != 0x01) {
      throw new InvalidCidException("unsupported CID version " + version + " (only 1)", off);
    }
    // single-byte varints: codec and hash codes below 0x80 are the only ones accepted
    int codec = data[off + 1] & 0xFF;
    if ((codec & 0x80) != 0) {
      throw new InvalidCidException("unsupported CID codec (multi-byte varint)", off + 1);
    }
    Codec.of(codec, off + 1);
    int hashCode = data[off + 2] & 0xFF;
    if (hashCode != SHA2_256) {
      throw new InvalidCidException(
          "unsupported multihash 0x" + Integer.toHexString(hashCode) + " (only sha2-256 0x12)", off + 2);
    }
    int digestLen = data[off + 3] & 0xFF;
    if (digestLen != DIGEST_LENGTH) {
      throw new InvalidCidException("sha2-256 digest length " + digestLen + ", expected 32", off + 3);
    }
    if (limit - off < BINARY_LENGTH) {
      throw new InvalidCidException("truncated CID digest", limit);
    }
    return BINARY_LENGTH;
  }

  /** Parses the string form: multibase base32 lower-case, prefix {@code b}. */
  public static Cid parse(String s) {
    if (s.length() != STRING_LENGTH) {
      if (s.startsWith("Qm")) {
        throw new InvalidCidException("CIDv0 is not allowed, only CIDv1", 0);
      }
      if (s.isEmpty() || s.charAt(0) != 'b') {
        throw new InvalidCidException("CID string must start with multibase prefix 'b'", 0);
      }
      throw new InvalidCidException(
          "CID string has " + s.length() + " characters, expected " + STRING_LENGTH, 0);
    }
    if (s.charAt(0) != 'b') {
      throw new InvalidCidException("CID string must start with multibase prefix 'b'", 0);
    }
    byte[] b = Multibase.decodeBase32(s, 1);
    Cid cid = decode(b);
    cid.string = s;
    return cid;
  }

  /**
   * The Lexicon {@code cid} string-format check: 8 to 256 characters of {@code [a-zA-Z0-9+=]},
   * not a CIDv0 ({@code Qmb...}). Much looser than {@link #parse}, which accepts only the CIDs
   * atproto itself creates (CIDv1, base32, dag-cbor or raw, sha2-256); use this one to validate
   * record fields that merely hold a CID string, and {@link #parse} for links.
   */
  public static boolean isValidSyntax(String s) {
    int n = s.length();
    if (n < 8 || n > 256 || s.startsWith("Qmb")) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '=';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** The codec of the content. */
  public Codec codec() {
    return bytes[1] == 0x71 ? Codec.DAG_CBOR : Codec.RAW;
  }

  /** A copy of the 32-byte sha2-256 digest. */
  public byte[] digest() {
    return Arrays.copyOfRange(bytes, 4, BINARY_LENGTH);
  }

  /** A copy of the 36-byte binary form. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Copies the binary form into {@code out} at {@code off}; returns the offset after it. */
  public int writeTo(byte[] out, int off) {
    System.arraycopy(bytes, 0, out, off, BINARY_LENGTH);
    return off + BINARY_LENGTH;
  }

  /** Whether {@code data} hashes to this CID's digest. */
  public boolean matches(byte[] data) {
    return matches(data, 0, data.length);
  }

  /** Whether {@code data[off, off+len)} hashes to this CID's digest. */
  public boolean matches(byte[] data, int off, int len) {
    MessageDigest sha = Sha256.newDigest();
    sha.update(data, off, len);
    byte[] d = sha.digest();
    return Arrays.equals(d, 0, DIGEST_LENGTH, bytes, 4, BINARY_LENGTH);
  }

  /** Compares binary forms bytewise, unsigned. */
  @Override
  public int compareTo(Cid o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cid c && hash == c.hash && Arrays.equals(bytes, c.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** The base32 string form, {@code b...}. */
  @Override
  public String toString() {
    String s = string;
    if (s == null) {
      StringBuilder sb = new StringBuilder(STRING_LENGTH);
      sb.append('b');
      Multibase.appendBase32(bytes, 0, BINARY_LENGTH, sb);
      string = s = sb.toString();
    }
    return s;
  }
}
