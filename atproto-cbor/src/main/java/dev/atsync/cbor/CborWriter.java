package dev.atsync.cbor;

import dev.atsync.cid.Cid;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A canonical DAG-CBOR writer: shortest heads, definite lengths, CID links as tag 42. Typed
 * encoders write map keys themselves and must write them in canonical order (shorter keys first,
 * then bytewise); {@link #writeValue} orders them itself. Not thread-safe.
 */
public final class CborWriter {
  private byte[] buf;
  private int size;

  /** A writer with a small initial buffer. */
  public CborWriter() {
    this(128);
  }

  /** A writer whose buffer starts at {@code initialCapacity} bytes. */
  public CborWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  /** Bytes written so far. */
  public int size() {
    return size;
  }

  /** A copy of the bytes written. */
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
      head(0, v);
    } else {
      head(1, -1 - v);
    }
  }

  /**
   * Writes a text string.
   *
   * @throws IllegalArgumentException if {@code s} holds an unpaired surrogate (not valid Unicode)
   */
  public void writeText(String s) {
    int n = s.length();
    boolean ascii = true;
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      head(3, n);
      ensure(n);
      s.getBytes(0, n, buf, size);
      size += n;
      return;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
          throw new IllegalArgumentException("text has an unpaired surrogate at index " + i);
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw new IllegalArgumentException("text has an unpaired surrogate at index " + i);
      }
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    head(3, b.length);
    raw(b, 0, b.length);
  }

  /** Writes a map key; same as {@link #writeText}, named for readability of typed encoders. */
  public void writeKey(String key) {
    writeText(key);
  }

  /** Writes a byte string. */
  public void writeBytes(byte[] b) {
    writeBytes(b, 0, b.length);
  }

  /** Writes {@code b[off, off+len)} as a byte string. */
  public void writeBytes(byte[] b, int off, int len) {
    head(2, len);
    raw(b, off, len);
  }

  /** Writes a CID link: tag 42, byte string of {@code 0x00} and the binary CID. */
  public void writeLink(Cid cid) {
    ensure(5 + Cid.BINARY_LENGTH);
    buf[size++] = (byte) 0xD8;
    buf[size++] = 42;
    buf[size++] = (byte) (0x40 + 24);
    buf[size++] = (byte) (Cid.BINARY_LENGTH + 1);
    buf[size++] = 0;
    size = cid.writeTo(buf, size);
  }

  /** Writes a list header; write {@code n} values next. */
  public void writeListHeader(int n) {
    head(4, n);
  }

  /** Writes a map header; write {@code n} keys, each followed by its value, in canonical key order. */
  public void writeMapHeader(int n) {
    head(5, n);
  }

  /** Writes a generic value; maps come out in canonical key order. */
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
        head(2, b.length());
        ensure(b.length());
        b.copyTo(buf, size);
        size += b.length();
        break;
      }
      case LINK:
        writeLink(((Value.Link) v).cid());
        break;
      case LIST: {
        java.util.List<Value> items = ((Value.List) v).values();
        writeListHeader(items.size());
        for (Value item : items) {
          writeValue(item);
        }
        break;
      }
      default: {
        Map<String, Value> entries = ((Value.Map) v).entries();
        writeMapHeader(entries.size());
        for (Map.Entry<String, Value> e : entries.entrySet()) {
          writeText(e.getKey());
          writeValue(e.getValue());
        }
      }
    }
  }

  /** Appends bytes that are already DAG-CBOR, such as a cached encoding of a sub-value. */
  public void writeEncoded(byte[] b, int off, int len) {
    raw(b, off, len);
  }

  private void head(int major, long arg) {
    ensure(9);
    int m = major << 5;
    if (arg < 24) {
      buf[size++] = (byte) (m | arg);
    } else if (arg < 0x100) {
      buf[size++] = (byte) (m | 24);
      buf[size++] = (byte) arg;
    } else if (arg < 0x10000) {
      buf[size++] = (byte) (m | 25);
      buf[size++] = (byte) (arg >>> 8);
      buf[size++] = (byte) arg;
    } else if (arg < 0x100000000L) {
      buf[size++] = (byte) (m | 26);
      for (int s = 24; s >= 0; s -= 8) {
        buf[size++] = (byte) (arg >>> s);
      }
    } else {
      buf[size++] = (byte) (m | 27);
      for (int s = 56; s >= 0; s -= 8) {
        buf[size++] = (byte) (arg >>> s);
      }
    }
  }

  private void raw(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  private void ensure(int n) {
    if (size + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
    }
  }
}
