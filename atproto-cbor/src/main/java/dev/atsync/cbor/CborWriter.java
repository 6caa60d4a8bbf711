package dev.atsync.cbor;

import dev.atsync.cid.Cid;
import java.util.Arrays;

/**
 * A canonical DAG-CBOR writer into a growable buffer: every head uses its shortest form, every
 * length is definite, and there are no floats.
 *
 * <p>Map keys: {@link #writeValue(Value)} writes {@link Value.Map} entries in canonical order
 * (the order the map iterates). Typed encoders that use {@link #writeMapHeader(int)} and
 * {@link #writeKey(String)} themselves must write the keys in canonical order (shorter UTF-8
 * encoding first, then bytewise) and write exactly the declared number of items: the writer does
 * not check, which keeps it fast; {@link DagCbor#decode(byte[])} of the result will.
 *
 * <p>Not thread-safe; {@link #reset()} to reuse the buffer.
 */
public final class CborWriter {
  private byte[] buf;
  private int size;

  /** A writer with a small initial buffer. */
  public CborWriter() {
    this(256);
  }

  /** A writer whose buffer starts at {@code initialCapacity} bytes. */
  public CborWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  /** Bytes written so far. */
  public int size() {
    return size;
  }

  /** A copy of the bytes written so far. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  /** Forgets everything written, keeping the buffer. */
  public void reset() {
    size = 0;
  }

  /** Writes null. */
  public void writeNull() {
    ensure(1);
    buf[size++] = (byte) 0xF6;
  }

  /** Writes a boolean. */
  public void writeBoolean(boolean b) {
    ensure(1);
    buf[size++] = (byte) (b ? 0xF5 : 0xF4);
  }

  /** Writes a signed 64-bit integer. */
  public void writeLong(long v) {
    if (v >= 0) {
      writeHead(0, v);
    } else {
      writeHead(1, ~v);
    }
  }

  /**
   * Writes a text string as UTF-8.
   *
   * @throws IllegalArgumentException if {@code s} has an unpaired surrogate (not valid Unicode)
   */
  public void writeText(String s) {
    int n = s.length();
    int ascii = 0;
    while (ascii < n && s.charAt(ascii) < 0x80) {
      ascii++;
    }
    if (ascii == n) {
      writeHead(3, n);
      ensure(n);
      for (int i = 0; i < n; i++) {
        buf[size++] = (byte) s.charAt(i);
      }
      return;
    }
    int utf8 = utf8Length(s, ascii);
    writeHead(3, utf8);
    ensure(utf8);
    byte[] b = buf;
    int o = size;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        b[o++] = (byte) c;
      } else if (c < 0x800) {
        b[o++] = (byte) (0xC0 | (c >> 6));
        b[o++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c)) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        b[o++] = (byte) (0xF0 | (cp >> 18));
        b[o++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        b[o++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        b[o++] = (byte) (0x80 | (cp & 0x3F));
      } else {
        b[o++] = (byte) (0xE0 | (c >> 12));
        b[o++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        b[o++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    size = o;
  }

  /** Writes a map key; keys must come in canonical order (see the class comment). */
  public void writeKey(String key) {
    writeText(key);
  }

  /** Writes a byte string. */
  public void writeBytes(byte[] b) {
    writeBytes(b, 0, b.length);
  }

  /** Writes {@code b[off, off+len)} as a byte string. */
  public void writeBytes(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    writeHead(2, len);
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  /** Writes a CID link: tag 42, byte string of 0x00 and the binary CID. */
  public void writeLink(Cid cid) {
    ensure(5 + Cid.BINARY_LENGTH);
    byte[] b = buf;
    b[size++] = (byte) 0xD8;
    b[size++] = 42;
    b[size++] = 0x58;
    b[size++] = (byte) (Cid.BINARY_LENGTH + 1);
    b[size++] = 0;
    size = cid.writeTo(b, size);
  }

  /** Writes a list head; then write exactly {@code n} values. */
  public void writeListHeader(int n) {
    requireCount(n);
    writeHead(4, n);
  }

  /** Writes a map head; then write exactly {@code n} key/value pairs, keys in canonical order. */
  public void writeMapHeader(int n) {
    requireCount(n);
    writeHead(5, n);
  }

  /** Writes any value; map entries in canonical key order. */
  public void writeValue(Value v) {
    switch (v.kind()) {
      case NULL:
        writeNull();
        break;
      case BOOLEAN:
        writeBoolean(((Value.Bool) v).value());
        break;
      case INTEGER:
        writeLong(((Value.Int) v).value());
        break;
      case TEXT:
        writeText(((Value.Text) v).value());
        break;
      case BYTES: {
        Value.Bytes b = (Value.Bytes) v;
        int len = b.length();
        writeHead(2, len);
        ensure(len);
        b.copyTo(buf, size);
        size += len;
        break;
      }
      case LINK:
        writeLink(((Value.Link) v).cid());
        break;
      case LIST: {
        java.util.List<Value> items = ((Value.List) v).values();
        writeHead(4, items.size());
        for (Value item : items) {
          writeValue(item);
        }
        break;
      }
      case MAP: {
        java.util.Map<String, Value> entries = ((Value.Map) v).entries();
        writeHead(5, entries.size());
        for (java.util.Map.Entry<String, Value> e : entries.entrySet()) {
          writeText(e.getKey());
          writeValue(e.getValue());
        }
        break;
      }
      default:
        throw new AssertionError(v.kind());
    }
  }

  private void writeHead(int major, long arg) {
    ensure(9);
    byte[] b = buf;
    int m = major << 5;
    if (arg < 24) {
      b[size++] = (byte) (m | (int) arg);
    } else if (arg < 0x100) {
      b[size++] = (byte) (m | 24);
      b[size++] = (byte) arg;
    } else if (arg < 0x10000) {
      b[size++] = (byte) (m | 25);
      b[size++] = (byte) (arg >> 8);
      b[size++] = (byte) arg;
    } else if (arg < 0x100000000L) {
      b[size++] = (byte) (m | 26);
      b[size++] = (byte) (arg >> 24);
      b[size++] = (byte) (arg >> 16);
      b[size++] = (byte) (arg >> 8);
      b[size++] = (byte) arg;
    } else {
      b[size++] = (byte) (m | 27);
      for (int shift = 56; shift >= 0; shift -= 8) {
        b[size++] = (byte) (arg >> shift);
      }
    }
  }

  private static int utf8Length(String s, int from) {
    int len = from;
    int n = s.length();
    for (int i = from; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        len++;
      } else if (c < 0x800) {
        len += 2;
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          len += 4;
          i++;
        } else {
          throw new IllegalArgumentException("text has an unpaired surrogate at index " + i);
        }
      } else {
        len += 3;
      }
    }
    return len;
  }

  private static void requireCount(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("negative item count " + n);
    }
  }

  private void ensure(int extra) {
    if (buf.length - size < extra) {
      long want = Math.max((long) buf.length * 2, (long) size + extra);
      if (want > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("CBOR output exceeds 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) want);
    }
  }
}
