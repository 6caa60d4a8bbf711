package dev.atsync.cbor;

import dev.atsync.cbor.CborException.Rule;
import dev.atsync.cid.Cid;
import dev.atsync.cid.InvalidCidException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A strict pull reader of DAG-CBOR as atproto uses it (the DRISL profile), over a byte array.
 * It is the fast path for typed decoding: callers read map headers, keys and scalars straight
 * into their own records, and no generic value is built unless asked for.
 *
 * <p>Strictness holds whatever calls are made: every head must use the shortest encoding, lengths
 * are definite and checked against the remaining input before anything is allocated, map keys
 * must be text in canonical order without duplicates (checked by the reader itself, per map),
 * floats, {@code undefined}, other simple values and tags other than 42 are rejected, text must
 * be valid UTF-8, links must be valid CIDv1, and nesting is bounded. Every rejection is a
 * {@link CborException} naming the rule and the byte offset.
 *
 * <p>Map entries are read as {@link #readKey()} followed by one value. Reading past the end of a
 * list or map, or a value where a key is due, is an error. Not thread-safe.
 */
public final class CborReader {
  /** Default limit on nested lists and maps. */
  public static final int DEFAULT_MAX_DEPTH = 64;

  private static final int MAJOR_UNSIGNED = 0;
  private static final int MAJOR_NEGATIVE = 1;
  private static final int MAJOR_BYTES = 2;
  private static final int MAJOR_TEXT = 3;
  private static final int MAJOR_ARRAY = 4;
  private static final int MAJOR_MAP = 5;
  private static final int MAJOR_TAG = 6;
  private static final int MAJOR_SIMPLE = 7;

  private final byte[] buf;
  private final int end;
  private final int maxDepth;
  private int pos;

  // open containers: items left (map entries count twice), whether a map, previous key's encoded range
  private long[] remaining = new long[8];
  private boolean[] isMap = new boolean[8];
  private int[] prevKeyStart = new int[8];
  private int[] prevKeyEnd = new int[8];
  private int depth;

  // the head at headPos, parsed by head()
  private int headPos = -1;
  private int headMajor;
  private long headArg;
  private int headLen;

  /** Reads the whole array with the default depth limit. */
  public CborReader(byte[] data) {
    this(data, 0, data.length, DEFAULT_MAX_DEPTH);
  }

  /**
   * Reads {@code data[offset, offset+length)}. Offsets in positions and errors are absolute
   * indexes into {@code data}.
   *
   * @param maxDepth most lists and maps open at once
   */
  public CborReader(byte[] data, int offset, int length, int maxDepth) {
    if (offset < 0 || length < 0 || offset + length > data.length || offset + length < 0) {
      throw new IndexOutOfBoundsException("slice [" + offset + ", +" + length + ") of " + data.length);
    }
    if (maxDepth < 1) {
      throw new IllegalArgumentException("maxDepth must be positive");
    }
    this.buf = data;
    this.pos = offset;
    this.end = offset + length;
    this.maxDepth = maxDepth;
  }

  /** Absolute offset of the next item. */
  public int position() {
    return pos;
  }

  /** Whether the input is exhausted. */
  public boolean atEnd() {
    return pos >= end;
  }

  /** Number of lists and maps currently open. */
  public int depth() {
    return depth;
  }

  /** The kind of the next item, without consuming it; its head is validated. */
  public Value.Kind peekKind() {
    head();
    switch (headMajor) {
      case MAJOR_UNSIGNED:
      case MAJOR_NEGATIVE:
        return Value.Kind.INTEGER;
      case MAJOR_BYTES:
        return Value.Kind.BYTES;
      case MAJOR_TEXT:
        return Value.Kind.TEXT;
      case MAJOR_ARRAY:
        return Value.Kind.LIST;
      case MAJOR_MAP:
        return Value.Kind.MAP;
      case MAJOR_TAG:
        return Value.Kind.LINK;
      default:
        return headArg == 22 ? Value.Kind.NULL : Value.Kind.BOOLEAN;
    }
  }

  /** Reads a null. */
  public void readNull() {
    expect(Value.Kind.NULL);
    consume();
  }

  /** Consumes a null and returns true, or consumes nothing and returns false. */
  public boolean tryReadNull() {
    if (peekKind() != Value.Kind.NULL) {
      return false;
    }
    consume();
    return true;
  }

  /** Reads a boolean. */
  public boolean readBoolean() {
    expect(Value.Kind.BOOLEAN);
    boolean v = headArg == 21;
    consume();
    return v;
  }

  /** Reads an integer in the signed 64-bit range. */
  public long readLong() {
    expect(Value.Kind.INTEGER);
    long v = headMajor == MAJOR_UNSIGNED ? headArg : -1 - headArg;
    consume();
    return v;
  }

  /** Reads a text string (at a map-key position it is checked as a key). */
  public String readText() {
    expect(Value.Kind.TEXT);
    int start = pos;
    int off = pos + headLen;
    int len = (int) headArg;
    String s = decodeText(off, len);
    finishText(start, off + len);
    return s;
  }

  /** Reads a byte string. */
  public byte[] readBytes() {
    expect(Value.Kind.BYTES);
    int off = pos + headLen;
    byte[] b = Arrays.copyOfRange(buf, off, off + (int) headArg);
    endItem(off + (int) headArg);
    return b;
  }

  /** Reads a CID link: tag 42 on a byte string holding {@code 0x00} and a binary CIDv1. */
  public Cid readLink() {
    return link(true);
  }

  /** Reads a list header and returns its item count; read that many values next. */
  public int readListHeader() {
    expect(Value.Kind.LIST);
    long n = headArg;
    int at = pos;
    if (n > end - pos - headLen) {
      throw fail(Rule.LENGTH_EXCEEDS_INPUT, "list of " + n + " items cannot fit in " + (end - pos - headLen)
          + " remaining bytes", at);
    }
    advanceHead();
    open(n, false, at);
    return (int) n;
  }

  /** Reads a map header and returns its entry count; read that many key/value pairs next. */
  public int readMapHeader() {
    expect(Value.Kind.MAP);
    long n = headArg;
    int at = pos;
    if (n > (end - pos - headLen) / 2) {
      throw fail(Rule.LENGTH_EXCEEDS_INPUT, "map of " + n + " entries cannot fit in " + (end - pos - headLen)
          + " remaining bytes", at);
    }
    advanceHead();
    open(n * 2, true, at);
    return (int) n;
  }

  /** Reads a map key, checking it is text, in canonical order and not repeated in this map. */
  public String readKey() {
    if (!atKey()) {
      throw fail(Rule.UNEXPECTED_TYPE, "a map key was asked for where none is due", pos);
    }
    String shortText = shortText();
    if (shortText != null) {
      return shortText;
    }
    Value.Kind k = peekKind();
    if (k != Value.Kind.TEXT) {
      throw fail(Rule.NON_TEXT_MAP_KEY, "map key is " + name(k) + ", not text", pos);
    }
    return readText();
  }

  /** Validates and skips exactly one value, however deep. */
  public void skipValue() {
    int base = depth;
    skipItem();
    while (depth > base) {
      skipItem();
    }
  }

  /** Reads one value into the generic data model. */
  public Value readValue() {
    // Fast paths for the items that make up most blocks, whose one-byte heads (or fixed link
    // prefix) need none of the general head checks; anything else, and every error, takes the
    // general path below, so the rules and messages are the same.
    if (pos < end && !atKey()) {
      int ib = buf[pos] & 0xFF;
      if (ib < 0x18) {
        endItem(pos + 1);
        return SmallInts.CACHED[ib];
      }
      if (ib >= 0x60 && ib <= 0x78) {
        String text = shortText();
        if (text != null) {
          return new Value.Text(text);
        }
      } else if (ib >= 0x40 && ib < 0x58) {
        int len = ib - 0x40;
        if (len <= end - pos - 1) {
          byte[] b = Arrays.copyOfRange(buf, pos + 1, pos + 1 + len);
          endItem(pos + 1 + len);
          return new Value.Bytes(b);
        }
      } else if (ib == 0xd8 && end - pos >= LINK_LENGTH && buf[pos + 1] == 42 && (buf[pos + 2] & 0xFF) == 0x58
          && buf[pos + 3] == Cid.BINARY_LENGTH + 1 && buf[pos + 4] == 0) {
        Cid cid;
        try {
          cid = Cid.decode(buf, pos + 5, Cid.BINARY_LENGTH);
        } catch (InvalidCidException e) {
          cid = null; // the general path reports it with the link's offset
        }
        if (cid != null) {
          endItem(pos + LINK_LENGTH);
          return new Value.Link(cid);
        }
      } else if (ib == 0xf6) {
        endItem(pos + 1);
        return Value.NULL;
      }
    }
    switch (peekKind()) {
      case NULL:
        consume();
        return Value.NULL;
      case BOOLEAN:
        return Value.of(readBoolean());
      case INTEGER:
        return Value.of(readLong());
      case TEXT:
        return new Value.Text(readText());
      case BYTES:
        return new Value.Bytes(readBytes());
      case LINK:
        return new Value.Link(readLink());
      case LIST: {
        int n = readListHeader();
        List<Value> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(readValue());
        }
        return new Value.List(items);
      }
      default: {
        int n = readMapHeader();
        String[] keys = new String[n];
        Value[] values = new Value[n];
        for (int i = 0; i < n; i++) {
          keys[i] = readKey();
          values[i] = readValue();
        }
        return new Value.Map(new CanonicalMap(keys, values));
      }
    }
  }

  /** Tag 42 (2 bytes), a byte-string head of 37 (2), the 0x00 prefix and a 36-byte CID. */
  private static final int LINK_LENGTH = 5 + Cid.BINARY_LENGTH;

  /**
   * Reads a text string of under 256 bytes (a minimal one- or two-byte head) at the current
   * position, as a key or a value; null, with nothing consumed, when the next item is anything
   * else or does not fit (the general path then reads it or reports the error).
   */
  private String shortText() {
    if (pos >= end) {
      return null;
    }
    int ib = buf[pos] & 0xFF;
    int headLength;
    int len;
    if (ib >= 0x60 && ib < 0x78) {
      headLength = 1;
      len = ib - 0x60;
    } else if (ib == 0x78 && end - pos >= 2 && (buf[pos + 1] & 0xFF) >= 24) {
      headLength = 2; // a one-byte length: datetimes, URIs, CID strings, short posts
      len = buf[pos + 1] & 0xFF;
    } else {
      return null;
    }
    if (len > end - pos - headLength) {
      return null;
    }
    int start = pos;
    String text = decodeText(start + headLength, len);
    finishText(start, start + headLength + len);
    return text;
  }

  /** Checks that nothing is left. */
  public void requireEnd() {
    if (pos < end) {
      throw fail(Rule.TRAILING_BYTES, (end - pos) + " bytes after the value", pos);
    }
  }

  // ---- internals ----

  private void skipItem() {
    switch (peekKind()) {
      case LIST:
        readListHeader();
        break;
      case MAP:
        readMapHeader();
        break;
      case TEXT:
        readText();
        break;
      case BYTES: {
        expect(Value.Kind.BYTES);
        endItem(pos + headLen + (int) headArg);
        break;
      }
      case LINK:
        link(false);
        break;
      default:
        consume();
    }
  }

  /**
   * Reads one link: tag 42 on a byte string holding {@code 0x00} and a binary CIDv1. Skipping
   * ({@code build} false) validates the same bytes without allocating the {@link Cid}.
   */
  private Cid link(boolean build) {
    expect(Value.Kind.LINK);
    int tagAt = pos;
    pos += headLen;
    headPos = -1;
    head();
    if (headMajor != MAJOR_BYTES) {
      throw fail(Rule.INVALID_CID, "tag 42 must wrap a byte string", pos);
    }
    int off = pos + headLen;
    int len = (int) headArg;
    if (len < 1 || buf[off] != 0) {
      throw fail(Rule.INVALID_CID, "CID bytes must start with the 0x00 multibase prefix", off);
    }
    Cid cid = null;
    try {
      if (build) {
        cid = Cid.decode(buf, off + 1, len - 1);
      } else if (Cid.prefixLength(buf, off + 1, off + len) != len - 1) {
        throw fail(Rule.INVALID_CID, "link at " + tagAt + ": trailing bytes after the CID",
            off + 1 + Cid.BINARY_LENGTH);
      }
    } catch (InvalidCidException e) {
      throw new CborException(Rule.INVALID_CID, "link at " + tagAt + ": " + e.detail(),
          e.offset() >= 0 ? e.offset() : off);
    }
    endItem(off + len);
    return cid;
  }

  private boolean atKey() {
    return depth > 0 && isMap[depth - 1] && (remaining[depth - 1] & 1) == 0;
  }

  private void expect(Value.Kind kind) {
    Value.Kind k = peekKind();
    if (k != kind) {
      throw fail(Rule.UNEXPECTED_TYPE, "expected " + name(kind) + ", found " + name(k), pos);
    }
    if (kind != Value.Kind.TEXT && atKey()) {
      throw fail(Rule.NON_TEXT_MAP_KEY, "map key is " + name(k) + ", not text", pos);
    }
  }

  private static String name(Value.Kind k) {
    return k == Value.Kind.LINK ? "CID link" : k.name().toLowerCase(Locale.ROOT);
  }

  /** Consumes the current head as a complete scalar item. */
  private void consume() {
    if (atKey()) {
      throw fail(Rule.NON_TEXT_MAP_KEY, "map key is not text", pos);
    }
    endItem(pos + headLen);
  }

  private void advanceHead() {
    pos += headLen;
    headPos = -1;
  }

  private void finishText(int start, int after) {
    if (atKey()) {
      int d = depth - 1;
      if (prevKeyEnd[d] > 0) {
        int prevLen = prevKeyEnd[d] - prevKeyStart[d];
        // encodings of different lengths order by length (the head holds it): no byte compare
        int c = prevLen != after - start ? prevLen - (after - start)
            : Arrays.compareUnsigned(buf, prevKeyStart[d], prevKeyEnd[d], buf, start, after);
        if (c == 0) {
          throw fail(Rule.DUPLICATE_MAP_KEY, "key \"" + decodeTextQuiet(start, after) + "\" repeated", start);
        }
        if (c > 0) {
          throw fail(Rule.UNSORTED_MAP_KEYS, "key \"" + decodeTextQuiet(start, after)
              + "\" after \"" + decodeTextQuiet(prevKeyStart[d], prevKeyEnd[d]) + "\"", start);
        }
      }
      prevKeyStart[d] = start;
      prevKeyEnd[d] = after;
    }
    endItem(after);
  }

  private String decodeTextQuiet(int start, int after) {
    int h = start;
    int b = buf[h] & 31;
    h += b < 24 ? 1 : b == 24 ? 2 : b == 25 ? 3 : b == 26 ? 5 : 9;
    String s = new String(buf, h, after - h, StandardCharsets.UTF_8);
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private void open(long items, boolean map, int at) {
    if (items == 0) {
      itemDone();
      return;
    }
    if (depth >= maxDepth) {
      throw fail(Rule.TOO_DEEP, "nesting deeper than " + maxDepth, at);
    }
    if (depth == remaining.length) {
      remaining = Arrays.copyOf(remaining, depth * 2);
      isMap = Arrays.copyOf(isMap, depth * 2);
      prevKeyStart = Arrays.copyOf(prevKeyStart, depth * 2);
      prevKeyEnd = Arrays.copyOf(prevKeyEnd, depth * 2);
    }
    remaining[depth] = items;
    isMap[depth] = map;
    prevKeyStart[depth] = 0;
    prevKeyEnd[depth] = 0;
    depth++;
  }

  /** The item ends at {@code after}: move there and count it as read. */
  private void endItem(int after) {
    pos = after;
    headPos = -1;
    itemDone();
  }

  /**
   * One item of the innermost container is complete; a container whose items are all read closes
   * and is itself one complete item of its parent.
   */
  private void itemDone() {
    while (depth > 0) {
      if (--remaining[depth - 1] > 0) {
        return;
      }
      depth--;
    }
  }

  /** Parses and validates the head at {@code pos}, caching it. */
  private void head() {
    if (headPos == pos) {
      return;
    }
    if (pos >= end) {
      throw fail(Rule.TRUNCATED, "input ends where an item is due", pos);
    }
    int ib = buf[pos] & 0xFF;
    int major = ib >>> 5;
    int ai = ib & 31;
    long arg;
    int len;
    if (ai < 24) {
      arg = ai;
      len = 1;
    } else if (ai <= 27) {
      int n = 1 << (ai - 24);
      if (end - pos - 1 < n) {
        throw fail(Rule.TRUNCATED, "head needs " + n + " more bytes", pos);
      }
      arg = 0;
      for (int i = 1; i <= n; i++) {
        arg = (arg << 8) | (buf[pos + i] & 0xFF);
      }
      len = 1 + n;
      if (major == MAJOR_SIMPLE) {
        throw fail(ai == 24 ? Rule.SIMPLE_VALUE : Rule.FLOAT,
            ai == 24 ? "one-byte simple value" : "floating-point number", pos);
      }
      long min = ai == 24 ? 24 : ai == 25 ? 0x100 : ai == 26 ? 0x10000 : 0x100000000L;
      if (Long.compareUnsigned(arg, min) < 0) {
        throw fail(Rule.NON_MINIMAL_ENCODING, "argument " + Long.toUnsignedString(arg) + " in "
            + len + " bytes", pos);
      }
    } else if (ai == 31) {
      throw fail(Rule.INDEFINITE_LENGTH, major == MAJOR_SIMPLE ? "break outside an indefinite item"
          : "indefinite-length item", pos);
    } else {
      throw fail(Rule.RESERVED, "reserved additional information " + ai, pos);
    }
    switch (major) {
      case MAJOR_UNSIGNED:
      case MAJOR_NEGATIVE:
        if (arg < 0) {
          throw fail(Rule.INTEGER_OUT_OF_RANGE, (major == MAJOR_UNSIGNED ? "" : "-1-")
              + Long.toUnsignedString(arg) + " is outside the signed 64-bit range", pos);
        }
        break;
      case MAJOR_BYTES:
      case MAJOR_TEXT:
        if (arg < 0 || arg > end - pos - len) {
          throw fail(Rule.LENGTH_EXCEEDS_INPUT, "string of " + Long.toUnsignedString(arg) + " bytes, "
              + (end - pos - len) + " remain", pos);
        }
        break;
      case MAJOR_ARRAY:
      case MAJOR_MAP:
        if (arg < 0) {
          throw fail(Rule.LENGTH_EXCEEDS_INPUT, "count " + Long.toUnsignedString(arg), pos);
        }
        break;
      case MAJOR_TAG:
        if (arg != 42) {
          throw fail(Rule.UNSUPPORTED_TAG, "tag " + Long.toUnsignedString(arg) + " (only 42)", pos);
        }
        break;
      default:
        if (arg == 23) {
          throw fail(Rule.UNDEFINED, "undefined", pos);
        }
        if (arg < 20 || arg > 23) {
          throw fail(Rule.SIMPLE_VALUE, "simple value " + arg, pos);
        }
    }
    headPos = pos;
    headMajor = major;
    headArg = arg;
    headLen = len;
  }

  private String decodeText(int off, int len) {
    if (len <= KeyCache.MAX_KEY && atKey()) {
      if (len == 1 && buf[off] >= 0) {
        return KeyCache.ONE_BYTE[buf[off]]; // MST node keys: e, k, l, p, t, v
      }
      String cached = KeyCache.get(buf, off, len);
      if (cached != null) {
        return cached;
      }
    }
    for (int i = off, e = off + len; i < e; i++) {
      if (buf[i] < 0) {
        return decodeUtf8(off, len);
      }
    }
    String s = new String(buf, off, len, StandardCharsets.ISO_8859_1);
    if (len <= KeyCache.MAX_KEY && atKey()) {
      KeyCache.put(buf, off, len, s);
    }
    return s;
  }

  /** Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequences. */
  private String decodeUtf8(int off, int len) {
    int i = off;
    int e = off + len;
    while (i < e) {
      int b = buf[i] & 0xFF;
      if (b < 0x80) {
        i++;
        continue;
      }
      int n;
      int min;
      int cp;
      if ((b & 0xE0) == 0xC0) {
        n = 1;
        min = 0x80;
        cp = b & 0x1F;
      } else if ((b & 0xF0) == 0xE0) {
        n = 2;
        min = 0x800;
        cp = b & 0x0F;
      } else if ((b & 0xF8) == 0xF0) {
        n = 3;
        min = 0x10000;
        cp = b & 0x07;
      } else {
        throw fail(Rule.INVALID_UTF8, "invalid UTF-8 lead byte 0x" + Integer.toHexString(b), i);
      }
      if (i + n >= e) {
        throw fail(Rule.INVALID_UTF8, "truncated UTF-8 sequence", i);
      }
      for (int k = 1; k <= n; k++) {
        int c = buf[i + k] & 0xFF;
        if ((c & 0xC0) != 0x80) {
          throw fail(Rule.INVALID_UTF8, "invalid UTF-8 continuation byte 0x" + Integer.toHexString(c), i + k);
        }
        cp = (cp << 6) | (c & 0x3F);
      }
      if (cp < min) {
        throw fail(Rule.INVALID_UTF8, "overlong UTF-8 encoding", i);
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        throw fail(Rule.INVALID_UTF8, "code point U+" + Integer.toHexString(cp).toUpperCase(Locale.ROOT)
            + " is not a Unicode scalar value", i);
      }
      i += n + 1;
    }
    return new String(buf, off, len, StandardCharsets.UTF_8);
  }

  private static CborException fail(Rule rule, String detail, long at) {
    return new CborException(rule, detail, at);
  }

  /**
   * Interned short ASCII map keys shared by all readers: record and node keys repeat endlessly,
   * and sharing the strings saves an allocation per key. Entries are immutable, so racing writes
   * only ever replace one valid entry with another.
   */
  private static final class KeyCache {
    static final int MAX_KEY = 24;
    /** Keys up to this long are compared as two packed longs, not with {@code Arrays.equals}. */
    private static final int PACKED = 16;
    private static final int SIZE = 1024;
    private static final Entry[] TABLE = new Entry[SIZE];

    /** {@code lo}/{@code hi}: the key bytes packed (keys up to 16 bytes); {@code bytes}: longer keys. */
    private record Entry(int len, long lo, long hi, byte[] bytes, String string) {}

    static final String[] ONE_BYTE = new String[128];

    static {
      for (int c = 0; c < ONE_BYTE.length; c++) {
        ONE_BYTE[c] = String.valueOf((char) c).intern();
      }
    }

    static String get(byte[] buf, int off, int len) {
      if (len <= PACKED) {
        long lo = pack(buf, off, Math.min(len, 8));
        long hi = len > 8 ? pack(buf, off + 8, len - 8) : 0;
        Entry e = TABLE[slot(lo, hi, len)];
        return e != null && e.len == len && e.lo == lo && e.hi == hi ? e.string : null;
      }
      Entry e = TABLE[slot(buf, off, len)];
      if (e != null && e.len == len && Arrays.equals(e.bytes, 0, len, buf, off, off + len)) {
        return e.string;
      }
      return null;
    }

    static void put(byte[] buf, int off, int len, String s) {
      if (len <= PACKED) {
        long lo = pack(buf, off, Math.min(len, 8));
        long hi = len > 8 ? pack(buf, off + 8, len - 8) : 0;
        TABLE[slot(lo, hi, len)] = new Entry(len, lo, hi, null, s);
      } else {
        TABLE[slot(buf, off, len)] = new Entry(len, 0, 0, Arrays.copyOfRange(buf, off, off + len), s);
      }
    }

    private static long pack(byte[] buf, int off, int n) {
      long v = 0;
      for (int i = 0; i < n; i++) {
        v = (v << 8) | (buf[off + i] & 0xFF);
      }
      return v;
    }

    private static int slot(long lo, long hi, int len) {
      long x = lo * 0x9E3779B97F4A7C15L + hi * 0xC2B2AE3D27D4EB4FL + len;
      x ^= x >>> 29;
      return (int) (x ^ (x >>> 32)) & (SIZE - 1);
    }

    private static int slot(byte[] buf, int off, int len) {
      int h = len;
      for (int i = off; i < off + len; i++) {
        h = h * 31 + buf[i];
      }
      return (h ^ (h >>> 16)) & (SIZE - 1);
    }
  }
}
