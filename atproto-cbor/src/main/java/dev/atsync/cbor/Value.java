package dev.atsync.cbor;

import dev.atsync.cid.Cid;
import java.util.Arrays;
import java.util.Objects;

/**
 * A value of the atproto data model: null, boolean, integer (signed 64-bit), text, bytes, list,
 * map with text keys, and CID link. There are no floats: atproto forbids them.
 *
 * <p>Values are immutable. {@link Map} keeps its entries in DAG-CBOR canonical key order (shorter
 * keys first, then bytewise), so iteration order is the encoding order.
 */
public sealed interface Value
    permits Value.Null, Value.Bool, Value.Int, Value.Text, Value.Bytes, Value.List, Value.Map, Value.Link {

  /** The null value. */
  Null NULL = new Null();
  /** The boolean {@code true}. */
  Bool TRUE = new Bool(true);
  /** The boolean {@code false}. */
  Bool FALSE = new Bool(false);

  /** The kind of value, for switching without pattern matching. */
  Kind kind();

  /** The eight kinds of the atproto data model. */
  enum Kind {
    /** {@link Null}. */
    NULL,
    /** {@link Bool}. */
    BOOLEAN,
    /** {@link Int}. */
    INTEGER,
    /** {@link Text}. */
    TEXT,
    /** {@link Bytes}. */
    BYTES,
    /** {@link List}. */
    LIST,
    /** {@link Map}. */
    MAP,
    /** {@link Link}. */
    LINK
  }

  /** Null. Use {@link Value#NULL}. */
  record Null() implements Value {
    @Override
    public Kind kind() {
      return Kind.NULL;
    }
  }

  /** A boolean. Use {@link Value#of(boolean)}. */
  record Bool(boolean value) implements Value {
    @Override
    public Kind kind() {
      return Kind.BOOLEAN;
    }
  }

  /** A signed 64-bit integer. */
  record Int(long value) implements Value {
    @Override
    public Kind kind() {
      return Kind.INTEGER;
    }
  }

  /** A text string (valid Unicode). */
  record Text(String value) implements Value {
    /** @throws NullPointerException if {@code value} is null */
    public Text {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public Kind kind() {
      return Kind.TEXT;
    }
  }

  /** A byte string. The array is copied in and out; equality is by content. */
  record Bytes(byte[] value) implements Value {
    /** Copies {@code value}. */
    public Bytes {
      value = value.clone();
    }

    /** A copy of the bytes. */
    @Override
    public byte[] value() {
      return value.clone();
    }

    /** Number of bytes. */
    public int length() {
      return value.length;
    }

    /** Copies the bytes into {@code out} at {@code off}. */
    public void copyTo(byte[] out, int off) {
      System.arraycopy(value, 0, out, off, value.length);
    }

    @Override
    public Kind kind() {
      return Kind.BYTES;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes b && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Bytes[" + value.length + "]";
    }
  }

  /** A list of values. */
  record List(java.util.List<Value> values) implements Value {
    /** Copies {@code values} into an unmodifiable list; no element may be Java {@code null}. */
    public List {
      values = java.util.List.copyOf(values);
    }

    @Override
    public Kind kind() {
      return Kind.LIST;
    }
  }

  /** A map with text keys, iterated in DAG-CBOR canonical key order. */
  record Map(java.util.Map<String, Value> entries) implements Value {
    /** Copies {@code entries}, ordering keys canonically; no key or value may be Java {@code null}. */
    public Map {
      if (!(entries instanceof CanonicalMap)) {
        String[] keys = entries.keySet().toArray(new String[0]);
        for (String k : keys) {
          Objects.requireNonNull(k, "key");
        }
        Arrays.sort(keys, Value::compareKeys);
        Value[] values = new Value[keys.length];
        for (int i = 0; i < keys.length; i++) {
          values[i] = Objects.requireNonNull(entries.get(keys[i]), keys[i]);
        }
        entries = new CanonicalMap(keys, values);
      }
    }

    /** The value at {@code key}, or {@code null} if absent. */
    public Value get(String key) {
      return entries.get(key);
    }

    @Override
    public Kind kind() {
      return Kind.MAP;
    }
  }

  /** A CID link (CBOR tag 42). */
  record Link(Cid cid) implements Value {
    /** @throws NullPointerException if {@code cid} is null */
    public Link {
      Objects.requireNonNull(cid, "cid");
    }

    @Override
    public Kind kind() {
      return Kind.LINK;
    }
  }

  /** {@link #TRUE} or {@link #FALSE}. */
  static Bool of(boolean b) {
    return b ? TRUE : FALSE;
  }

  /** An integer value; small ones (MST prefix lengths, counts) are shared instances. */
  static Int of(long v) {
    return v >= 0 && v < SmallInts.CACHED.length ? SmallInts.CACHED[(int) v] : new Int(v);
  }

  /** A text value. */
  static Text of(String s) {
    return new Text(s);
  }

  /** A link value. */
  static Link of(Cid cid) {
    return new Link(cid);
  }

  /**
   * DAG-CBOR canonical order of map keys: shorter UTF-8 encoding first, then bytewise unsigned
   * (which for equal lengths is code point order). Allocates nothing.
   */
  static int compareKeys(String a, String b) {
    int la = utf8Length(a);
    int lb = utf8Length(b);
    if (la != lb) {
      return Integer.compare(la, lb);
    }
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return 0;
  }

  /** Length of the UTF-8 encoding of {@code s}. */
  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
