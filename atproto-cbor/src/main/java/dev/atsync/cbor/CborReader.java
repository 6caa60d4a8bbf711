package dev.atsync.cbor;

import dev.atsync.cbor.CborException.Rule;
import dev.atsync.cid.Cid;
import dev.atsync.cid.InvalidCidException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * A strict pull reader of DAG-CBOR over a slice of a byte array: the fast path for decoding
 * blocks straight into the caller's own records, without building generic {@link Value} trees.
 *
 * <p>Strictness holds whatever calls the caller makes: the reader tracks its open lists and maps,
 * so inside a map it insists on {@link #readKey()} where a key is due and checks key order and
 * duplicates itself; nesting is limited to {@code maxDepth}; every length and item count is
 * checked against the remaining input before anything is allocated. Containers close
 * implicitly once their declared number of items has been read.
 *
 * <p>Every rejection is a {@link CborException} naming the {@link CborException.Rule} and the
 * absolute byte offset into the array. Not thread-safe; one reader per input.
 */
public final class CborReader {
  /**
   * Default maximum nesting depth of lists and maps. The atproto specs set no figure; real
   * records nest a handful of levels (a post with an embed and facets stays under 10), so 64
   * leaves ample room while keeping the recursive paths' stack use small.
   */
  public static final int DEFAULT_MAX_DEPTH = 64;

  /** Upper bound for a caller-chosen depth, keeping recursion in {@link #skipValue()} safe. */
  public static final int MAX_MAX_DEPTH = 1024;

  private static final byte[] NO_BYTES = new byte[0];

  private final byte[] data;
  private final int limit;
  private final int maxDepth;
  private int pos;

  // open containers: items still to read (a map counts keys and values), kind, last key
  private int depth;
  private int[] remaining = new int[8];
  private boolean[] isMap = new boolean[8];
  private int[] lastKeyOff = new int[8];
  private int[] lastKeyLen = new int[8];

  // the head most recently parsed by parseHead
  private int hMajor;
  private int hInfo;
  private long hArg;
  private int hLen;

  /** A reader over the whole array with {@link #DEFAULT_MAX_DEPTH}. */
  public CborReader(byte[] data) {
    this(data, 0, data.length, DEFAULT_MAX_DEPTH);
  }

  /**
   * A reader over {@code data[offset, offset+length)}.
   *
   * @param maxDepth maximum nesting of lists and maps, 1 to {@value #MAX_MAX_DEPTH}
   * @throws IllegalArgumentException if the slice is out of bounds or the depth out of range
   */
  public CborReader(byte[] data, int offset, int length, int maxDepth) {
    Objects.requireNonNull(data, "data");
    Objects.checkFromIndexSize(offset, length, data.length);
    if (maxDepth < 1 || maxDepth > MAX_MAX_DEPTH) {
      throw new IllegalArgumentException("maxDepth must be 1.." + MAX_MAX_DEPTH + ": " + maxDepth);
    }
    this.data = data;
    this.pos = offset;
    this.limit = offset + length;
    this.maxDepth = maxDepth;
  }

  /** Absolute offset into the array of the next item. */
  public int position() {
    return pos;
  }

  /** Whether the whole slice has been consumed. */
  public boolean atEnd() {
    return pos >= limit;
  }

  /** Current nesting depth: the number of lists and maps open around the next item. */
  public int depth() {
    return depth;
  }

  /**
   * The kind of the next item, without consuming it. Its head is validated, so a malformed item
   * is reported here already.
   */
  public Value.Kind peekKind() {
    parseHead(pos);
    return kindOfHead(pos);
  }

  /** Reads a null. */
  public void readNull() {
    expectSimple(22, "null");
  }

  /** Consumes a null and returns true if the next item is null; otherwise consumes nothing. */
  public boolean tryReadNull() {
    if (pos < limit && (data[pos] & 0xFF) == 0xF6) {
      beforeValue();
      pos++;
      itemDone();
      return true;
    }
    return false;
  }

  /** Reads a boolean. */
  public boolean readBoolean() {
    int start = pos;
    beforeValue();
    parseHead(start);
    if (hMajor == 7 && (hInfo == 20 || hInfo == 21)) {
      pos = start + 1;
      itemDone();
      return hInfo == 21;
    }
    throw wrongKind("boolean", start);
  }

  /** Reads a signed 64-bit integer. */
  public long readLong() {
    int start = pos;
    beforeValue();
    parseHead(start);
    long v;
    if (hMajor == 0) {
      v = hArg;
    } else if (hMajor == 1) {
      v = -1 - hArg;
    } else {
      throw wrongKind("integer", start);
    }
    pos = start + hLen;
    itemDone();
    return v;
  }

  /** Reads a text string, validating its UTF-8 strictly. */
  public String readText() {
    int start = pos;
    beforeValue();
    parseHead(start);
    if (hMajor != 3) {
      throw wrongKind("text", start);
    }
    String s = decodeText(start);
    itemDone();
    return s;
  }

  /** Reads a byte string into a new array. */
  public byte[] readBytes() {
    int start = pos;
    beforeValue();
    parseHead(start);
    if (hMajor != 2) {
      throw wrongKind("bytes", start);
    }
    int off = start + hLen;
    int len = (int) hArg;
    pos = off + len;
    itemDone();
    return len == 0 ? NO_BYTES.clone() : java.util.Arrays.copyOfRange(data, off, off + len);
  }

  /** Reads a CID link: tag 42 around a byte string of 0x00 followed by a binary CID. */
  public Cid readLink() {
    int start = pos;
    beforeValue();
    parseHead(start);
    if (hMajor != 6) {
      throw wrongKind("link", start);
    }
    Cid cid = decodeLinkBody(start);
    itemDone();
    return cid;
  }

  /** Reads a list head; then read exactly that many values. */
  public int readListHeader() {
    int start = pos;
    beforeValue();
    parseHead(start);
    if (hMajor != 4) {
      throw wrongKind("list", start);
    }
    return openContainer(start, false);
  }

  /** Reads a map head; then, per entry, {@link #readKey()} and one value. */
  public int readMapHeader() {
    int start = pos;
    beforeValue();
    parseHead(start);
    if (hMajor != 5) {
      throw wrongKind("map", start);
    }
    return openContainer(start, true);
  }

  /**
   * Reads the next map key, checking that it is text, sorts after the previous key of the same
   * map in DAG-CBOR canonical order (shorter first, then bytewise), and is not a duplicate.
   *
   * @throws IllegalStateException if no map key is due here (a caller bug, not bad input)
   */
  public String readKey() {
    int start = pos;
    int top = depth - 1;
    if (top < 0 || !isMap[top] || (remaining[top] & 1) != 0) {
      throw new IllegalStateException("no map key is due at byte " + start);
    }
    parseHead(start);
    if (hMajor != 3) {
      throw new CborException(Rule.NON_TEXT_MAP_KEY,
          "map key must be text, found " + describeHead(start), start);
    }
    int off = start + hLen;
    int len = (int) hArg;
    int prevLen = lastKeyLen[top];
    if (prevLen >= 0) {
      int c = compareKeyBytes(lastKeyOff[top], prevLen, off, len);
      if (c == 0) {
        throw new CborException(Rule.DUPLICATE_MAP_KEY,
            "duplicate map key \"" + safeText(off, len) + "\"", start);
      }
      if (c > 0) {
        throw new CborException(Rule.UNSORTED_MAP_KEYS,
            "map key \"" + safeText(off, len) + "\" sorts before the previous key \""
                + safeText(lastKeyOff[top], prevLen) + "\"", start);
      }
    }
    String key = decodeText(start);
    lastKeyOff[top] = off;
    lastKeyLen[top] = len;
    remaining[top]--;
    return key;
  }

  /** Validates and skips exactly one value of any kind and depth. */
  public void skipValue() {
    switch (peekKind()) {
      case NULL:
        readNull();
        break;
      case BOOLEAN:
        readBoolean();
        break;
      case INTEGER:
        readLong();
        break;
      case TEXT: {
        int start = pos;
        beforeValue();
        parseHead(start);
        int off = start + hLen;
        int bad = firstInvalidUtf8(off, (int) hArg);
        if (bad >= 0) {
          throw new CborException(Rule.INVALID_UTF8, "malformed UTF-8 in text", bad);
        }
        pos = off + (int) hArg;
        itemDone();
        break;
      }
      case BYTES: {
        int start = pos;
        beforeValue();
        parseHead(start);
        pos = start + hLen + (int) hArg;
        itemDone();
        break;
      }
      case LINK:
        readLink();
        break;
      case LIST: {
        int n = readListHeader();
        for (int i = 0; i < n; i++) {
          skipValue();
        }
        break;
      }
      case MAP: {
        int n = readMapHeader();
        for (int i = 0; i < n; i++) {
          readKey();
          skipValue();
        }
        break;
      }
      default:
        throw new AssertionError();
    }
  }

  /** Reads one value of any kind as a generic {@link Value}. */
  public Value readValue() {
    switch (peekKind()) {
      case NULL:
        readNull();
        return Value.NULL;
      case BOOLEAN:
        return Value.of(readBoolean());
      case INTEGER:
        return new Value.Int(readLong());
      case TEXT:
        return new Value.Text(readText());
      case BYTES:
        return new Value.Bytes(readBytes());
      case LINK:
        return new Value.Link(readLink());
      case LIST: {
        int n = readListHeader();
        ArrayList<Value> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(readValue());
        }
        return new Value.List(items);
      }
      case MAP: {
        int n = readMapHeader();
        LinkedHashMap<String, Value> entries = new LinkedHashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
          String k = readKey();
          entries.put(k, readValue());
        }
        return new Value.Map(entries);
      }
      default:
        throw new AssertionError();
    }
  }

  /** @throws CborException with {@link Rule#TRAILING_BYTES} if any input is left */
  public void requireEnd() {
    if (pos < limit) {
      throw new CborException(Rule.TRAILING_BYTES,
          (limit - pos) + " bytes after the end of the value", pos);
    }
  }

  // ---------------------------------------------------------------------------------------

  private void expectSimple(int info, String what) {
    int start = pos;
    beforeValue();
    parseHead(start);
    if (hMajor == 7 && hInfo == info) {
      pos = start + 1;
      itemDone();
      return;
    }
    throw wrongKind(what, start);
  }

  /** Rejects a value where a map key is due. */
  private void beforeValue() {
    int top = depth - 1;
    if (top >= 0 && isMap[top] && (remaining[top] & 1) == 0) {
      throw new IllegalStateException("a map key is due at byte " + pos + "; call readKey()");
    }
  }

  /** One value finished: count it in its container and close every container it completes. */
  private void itemDone() {
    while (depth > 0) {
      int top = depth - 1;
      if (--remaining[top] > 0) {
        return;
      }
      depth--;
    }
  }

  private int openContainer(int start, boolean map) {
    long n = hArg;
    long perItem = map ? 2 : 1;
    int body = start + hLen;
    if (n > (limit - body) / perItem) {
      throw new CborException(Rule.LENGTH_EXCEEDS_INPUT,
          (map ? "map of " : "list of ") + Long.toUnsignedString(n) + (map ? " entries" : " items")
              + " cannot fit in the " + (limit - body) + " remaining bytes", start);
    }
    if (depth + 1 > maxDepth) {
      throw new CborException(Rule.TOO_DEEP, "nesting deeper than " + maxDepth, start);
    }
    pos = body;
    int count = (int) n;
    if (count == 0) {
      itemDone();
      return 0;
    }
    if (depth == remaining.length) {
      int cap = depth * 2;
      remaining = java.util.Arrays.copyOf(remaining, cap);
      isMap = java.util.Arrays.copyOf(isMap, cap);
      lastKeyOff = java.util.Arrays.copyOf(lastKeyOff, cap);
      lastKeyLen = java.util.Arrays.copyOf(lastKeyLen, cap);
    }
    remaining[depth] = map ? count * 2 : count;
    isMap[depth] = map;
    lastKeyLen[depth] = -1;
    depth++;
    return count;
  }

  private Cid decodeLinkBody(int start) {
    if (hArg != 42) {
      throw new CborException(Rule.UNSUPPORTED_TAG,
          "tag " + Long.toUnsignedString(hArg) + " (only 42, CID link, is allowed)", start);
    }
    int inner = start + hLen;
    if (inner >= limit) {
      throw new CborException(Rule.TRUNCATED, "input ends after tag 42", inner);
    }
    parseHead(inner);
    if (hMajor != 2) {
      throw new CborException(Rule.INVALID_CID,
          "tag 42 must wrap a byte string, found " + describeHead(inner), inner);
    }
    int off = inner + hLen;
    int len = (int) hArg;
    if (len < 1 || data[off] != 0) {
      throw new CborException(Rule.INVALID_CID,
          "CID link bytes must start with the 0x00 multibase-identity prefix", off);
    }
    Cid cid;
    try {
      cid = Cid.decode(data, off + 1, len - 1);
    } catch (InvalidCidException e) {
      String m = e.getMessage().replaceFirst(" \\(at byte \\d+\\)$", "");
      throw new CborException(Rule.INVALID_CID, m, e.offset() >= 0 ? e.offset() : off + 1);
    }
    pos = off + len;
    return cid;
  }

  private String decodeText(int start) {
    int off = start + hLen;
    int len = (int) hArg;
    pos = off + len;
    if (len == 0) {
      return "";
    }
    int i = off;
    int end = off + len;
    while (i < end && data[i] >= 0) {
      i++;
    }
    if (i == end) {
      return new String(data, off, len, StandardCharsets.ISO_8859_1);
    }
    int bad = firstInvalidUtf8(i, end - i);
    if (bad >= 0) {
      throw new CborException(Rule.INVALID_UTF8, "malformed UTF-8 in text", bad);
    }
    return new String(data, off, len, StandardCharsets.UTF_8);
  }

  /** Offset of the first byte of the first malformed sequence, or -1 if well-formed. */
  private int firstInvalidUtf8(int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end) {
      int b = data[i];
      if (b >= 0) {
        i++;
        continue;
      }
      b &= 0xFF;
      int need;
      int min;
      if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        min = 0x80;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        min = 0x800;
      } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        min = 0x10000;
      } else {
        return i; // continuation byte, overlong C0/C1 lead, or F5..FF
      }
      if (end - i <= need) {
        return i;
      }
      int cp = b & (0x3F >> need);
      for (int k = 1; k <= need; k++) {
        int c = data[i + k] & 0xFF;
        if ((c & 0xC0) != 0x80) {
          return i;
        }
        cp = (cp << 6) | (c & 0x3F);
      }
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return i;
      }
      i += need + 1;
    }
    return -1;
  }

  /**
   * Parses and validates the head at {@code at} into hMajor/hInfo/hArg/hLen without consuming.
   * For strings, the declared length is checked against the input; for simple values, only
   * false, true and null pass.
   */
  private void parseHead(int at) {
    if (at >= limit) {
      throw new CborException(Rule.TRUNCATED, "input ends where an item was expected", at);
    }
    int ib = data[at] & 0xFF;
    int major = ib >>> 5;
    int info = ib & 0x1F;
    long arg;
    int len;
    if (info < 24) {
      arg = info;
      len = 1;
    } else if (info <= 27) {
      if (major == 7) {
        if (info == 24) {
          throw new CborException(Rule.SIMPLE_VALUE, "simple value (two-byte form)", at);
        }
        throw new CborException(Rule.FLOAT, "floating-point number", at);
      }
      int n = 1 << (info - 24);
      if (limit - at - 1 < n) {
        throw new CborException(Rule.TRUNCATED, "input ends inside an item head", at);
      }
      long v = 0;
      for (int k = 1; k <= n; k++) {
        v = (v << 8) | (data[at + k] & 0xFF);
      }
      long min = n == 1 ? 24 : n == 2 ? 0x100 : n == 4 ? 0x10000 : 0x100000000L;
      if (Long.compareUnsigned(v, min) < 0) {
        boolean isLength = major >= 2 && major <= 5;
        throw new CborException(isLength ? Rule.NON_MINIMAL_LENGTH : Rule.NON_MINIMAL_INTEGER,
            "value " + v + " not in its shortest head", at);
      }
      arg = v;
      len = 1 + n;
    } else if (info == 31) {
      throw new CborException(Rule.INDEFINITE_LENGTH,
          major == 7 ? "break byte outside an indefinite-length item" : "indefinite-length item", at);
    } else {
      throw new CborException(Rule.RESERVED_ADDITIONAL_INFO,
          "reserved additional information " + info, at);
    }
    switch (major) {
      case 0:
      case 1:
        if (arg < 0) {
          throw new CborException(Rule.INTEGER_OUT_OF_RANGE,
              (major == 0 ? "integer " : "integer -1-") + Long.toUnsignedString(arg)
                  + " outside the signed 64-bit range", at);
        }
        break;
      case 2:
      case 3:
        if (arg < 0 || arg > limit - at - len) {
          throw new CborException(Rule.LENGTH_EXCEEDS_INPUT,
              (major == 2 ? "byte string of " : "text of ") + Long.toUnsignedString(arg)
                  + " bytes exceeds the " + (limit - at - len) + " remaining bytes", at);
        }
        break;
      case 4:
      case 5:
        if (arg < 0) {
          throw new CborException(Rule.LENGTH_EXCEEDS_INPUT,
              "item count " + Long.toUnsignedString(arg) + " exceeds the input", at);
        }
        break;
      case 6:
        break;
      default: // 7, info < 24
        if (info == 23) {
          throw new CborException(Rule.UNDEFINED, "undefined", at);
        }
        if (info < 20) {
          throw new CborException(Rule.SIMPLE_VALUE, "simple value " + info, at);
        }
        break;
    }
    hMajor = major;
    hInfo = info;
    hArg = arg;
    hLen = len;
  }

  private Value.Kind kindOfHead(int at) {
    switch (hMajor) {
      case 0:
      case 1:
        return Value.Kind.INTEGER;
      case 2:
        return Value.Kind.BYTES;
      case 3:
        return Value.Kind.TEXT;
      case 4:
        return Value.Kind.LIST;
      case 5:
        return Value.Kind.MAP;
      case 6:
        if (hArg != 42) {
          throw new CborException(Rule.UNSUPPORTED_TAG,
              "tag " + Long.toUnsignedString(hArg) + " (only 42, CID link, is allowed)", at);
        }
        return Value.Kind.LINK;
      default:
        return hInfo == 22 ? Value.Kind.NULL : Value.Kind.BOOLEAN;
    }
  }

  private CborException wrongKind(String expected, int at) {
    return new CborException(Rule.WRONG_KIND,
        "expected " + expected + ", found " + describeHead(at), at);
  }

  /** Human name of the (already parsed) head at {@code at}. */
  private String describeHead(int at) {
    Value.Kind k = kindOfHead(at);
    switch (k) {
      case INTEGER:
        return "integer";
      case BOOLEAN:
        return "boolean";
      default:
        return k.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private int compareKeyBytes(int aOff, int aLen, int bOff, int bLen) {
    if (aLen != bLen) {
      return Integer.compare(aLen, bLen);
    }
    return java.util.Arrays.compareUnsigned(data, aOff, aOff + aLen, data, bOff, bOff + bLen);
  }

  /** Key text for messages: lossy decoding, truncated, never throws. */
  private String safeText(int off, int len) {
    String s = new String(data, off, Math.min(len, 64), StandardCharsets.UTF_8);
    return len > 64 ? s + "..." : s;
  }
}
