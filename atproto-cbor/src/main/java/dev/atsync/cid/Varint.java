package dev.atsync.cid;

/**
 * Unsigned LEB128 varints as used by multiformats (CID prefixes, multicodec tags, CAR section
 * lengths). Only minimal encodings of values up to 2^63-1 are accepted, as the multiformats
 * unsigned-varint spec requires (at most 9 bytes).
 */
public final class Varint {
  /** The longest varint accepted: 9 bytes carry 63 bits. */
  public static final int MAX_LENGTH = 9;

  private Varint() {}

  /** Number of bytes {@link #write} uses for {@code value}. */
  public static int length(long value) {
    requireUnsigned(value);
    int n = 1;
    while ((value >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  /** Writes {@code value} at {@code offset}; returns the offset after it. */
  public static int write(long value, byte[] out, int offset) {
    requireUnsigned(value);
    while ((value & ~0x7FL) != 0) {
      out[offset++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[offset++] = (byte) value;
    return offset;
  }

  /** The encoding of {@code value} as a new array. */
  public static byte[] encode(long value) {
    byte[] out = new byte[length(value)];
    write(value, out, 0);
    return out;
  }

  /**
   * Reads a varint at {@code offset}, never reading at or past {@code limit}.
   *
   * @param lengthOut receives the number of bytes consumed in element 0
   * @throws InvalidCidException if truncated, over-long, over 63 bits or not minimally encoded
   */
  public static long read(byte[] in, int offset, int limit, int[] lengthOut) {
    long value = 0;
    int shift = 0;
    int i = offset;
    while (true) {
      if (i >= limit) {
        throw new InvalidCidException("truncated varint", i);
      }
      if (i - offset >= MAX_LENGTH) {
        throw new InvalidCidException("varint longer than " + MAX_LENGTH + " bytes", offset);
      }
      int b = in[i++] & 0xFF;
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && i - offset > 1) {
          throw new InvalidCidException("varint is not minimally encoded", offset);
        }
        if (value < 0) {
          throw new InvalidCidException("varint exceeds 2^63-1", offset);
        }
        lengthOut[0] = i - offset;
        return value;
      }
      shift += 7;
    }
  }

  /**
   * Reads a varint from a stream, for CAR section headers.
   *
   * @param position stream offset of the first byte, used only in error messages
   * @return the value, or {@code -1} if the stream was at its end before the first byte
   * @throws InvalidCidException if truncated, over-long, over 63 bits or not minimally encoded
   * @throws java.io.IOException if the stream fails
   */
  public static long read(java.io.InputStream in, long position) throws java.io.IOException {
    long value = 0;
    int shift = 0;
    for (int n = 0; ; n++) {
      int b = in.read();
      if (b < 0) {
        if (n == 0) {
          return -1;
        }
        throw new InvalidCidException("truncated varint", position + n);
      }
      if (n >= MAX_LENGTH) {
        throw new InvalidCidException("varint longer than " + MAX_LENGTH + " bytes", position);
      }
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && n > 0) {
          throw new InvalidCidException("varint is not minimally encoded", position);
        }
        if (value < 0) {
          throw new InvalidCidException("varint exceeds 2^63-1", position);
        }
        return value;
      }
      shift += 7;
    }
  }

  private static void requireUnsigned(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("varint value must not be negative: " + value);
    }
  }
}
