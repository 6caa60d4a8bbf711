package dev.atsync.mst;

import dev.atsync.cid.Cid;
import dev.atsync.cid.InvalidCidException;
import dev.atsync.cbor.internal.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The MST node block format, written and read directly as bytes.
 *
 * <p>Why not the generic CBOR reader: a node has one fixed schema and DAG-CBOR's canonical form
 * makes its encoding unique (map keys in length-then-bytewise order: {@code e} before {@code l};
 * {@code k}, {@code p}, {@code t}, {@code v} within an entry; minimal-length heads), so a decoder
 * that demands exactly that byte layout accepts precisely the canonical encodings of valid nodes
 * and is several times faster than a general pull parser. Inversion decodes every node it opens,
 * so this is the hot path.
 *
 * <p>Layout: {@code a2 61'e' <array n> {a4 61'k' <bytes> 61'p' <uint> 61't' <null|link> 61'v' <link>}*
 * 61'l' <null|link>}, a link being {@code d8 2a 58 25 00 <36-byte CID>}.
 */
final class NodeCodec {
  private static final int LINK = 41; // d8 2a 58 25 00 + 36
  /** The smallest possible entry: a4 61 6b 41 x 61 70 00 61 74 f6 61 76 + link. */
  private static final int MIN_ENTRY = 12 + LINK;
  private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(Sha256::newDigest);

  private NodeCodec() {}

  /** The CID of an encoded node, hashing with a per-thread digest. */
  static Cid cid(byte[] encoded) {
    MessageDigest sha = SHA.get();
    return Cid.ofDigest(Cid.Codec.DAG_CBOR, sha.digest(encoded));
  }

  static byte[] encode(Node node) {
    byte[][] keys = node.keys;
    int n = keys.length;
    int[] prefix = new int[n];
    int size = 3 + headLength(n) + 2 + (node.left == null ? 1 : LINK);
    byte[] prev = null;
    for (int i = 0; i < n; i++) {
      byte[] k = keys[i];
      int p = prev == null ? 0 : MstKeys.commonPrefixLength(prev, k);
      prefix[i] = p;
      int suffix = k.length - p;
      size += 1 + 2 + headLength(suffix) + suffix + 2 + headLength(p) + 2 + (node.rights[i] == null ? 1 : LINK) + 2 + LINK;
      prev = k;
    }
    byte[] out = new byte[size];
    int o = 0;
    out[o++] = (byte) 0xa2;
    out[o++] = 0x61;
    out[o++] = 'e';
    o = head(out, o, 0x80, n);
    for (int i = 0; i < n; i++) {
      byte[] k = keys[i];
      int p = prefix[i];
      out[o++] = (byte) 0xa4;
      out[o++] = 0x61;
      out[o++] = 'k';
      o = head(out, o, 0x40, k.length - p);
      System.arraycopy(k, p, out, o, k.length - p);
      o += k.length - p;
      out[o++] = 0x61;
      out[o++] = 'p';
      o = head(out, o, 0x00, p);
      out[o++] = 0x61;
      out[o++] = 't';
      o = node.rights[i] == null ? nul(out, o) : link(out, o, node.rights[i].cid());
      out[o++] = 0x61;
      out[o++] = 'v';
      o = linkHead(out, o);
      o = node.writeValue(i, out, o);
    }
    out[o++] = 0x61;
    out[o++] = 'l';
    o = node.left == null ? nul(out, o) : link(out, o, node.left.cid());
    if (o != size) {
      throw new IllegalStateException("node encoding size mismatch: " + o + " != " + size);
    }
    return out;
  }

  private static int headLength(long v) {
    return v < 24 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 5;
  }

  private static int head(byte[] out, int o, int major, int v) {
    if (v < 24) {
      out[o++] = (byte) (major | v);
    } else if (v < 0x100) {
      out[o++] = (byte) (major | 24);
      out[o++] = (byte) v;
    } else if (v < 0x10000) {
      out[o++] = (byte) (major | 25);
      out[o++] = (byte) (v >>> 8);
      out[o++] = (byte) v;
    } else {
      out[o++] = (byte) (major | 26);
      out[o++] = (byte) (v >>> 24);
      out[o++] = (byte) (v >>> 16);
      out[o++] = (byte) (v >>> 8);
      out[o++] = (byte) v;
    }
    return o;
  }

  private static int nul(byte[] out, int o) {
    out[o] = (byte) 0xf6;
    return o + 1;
  }

  private static int linkHead(byte[] out, int o) {
    out[o++] = (byte) 0xd8;
    out[o++] = 0x2a;
    out[o++] = 0x58;
    out[o++] = 0x25;
    out[o++] = 0x00;
    return o;
  }

  private static int link(byte[] out, int o, Cid cid) {
    out[o++] = (byte) 0xd8;
    out[o++] = 0x2a;
    out[o++] = 0x58;
    out[o++] = 0x25;
    out[o++] = 0x00;
    return cid.writeTo(out, o);
  }

  /**
   * Decodes a node strictly from bytes that hash to {@code cid}.
   *
   * @throws MstException naming the byte offset and what was expected there
   */
  static Node decode(Cid cid, byte[] b) {
    Reader r = new Reader(cid, b);
    r.expect(0xa2, "a map of two fields (e, l)");
    r.expectKey('e');
    int n = r.head(0x80, "the entry list e");
    if (n > (b.length - r.pos) / MIN_ENTRY) {
      throw r.fail("entry list of " + n + " entries cannot fit in the node");
    }
    byte[][] keys = new byte[n][];
    int[] valueAt = new int[n];
    Node.Ref[] rights = new Node.Ref[n];
    byte[] prev = null;
    for (int i = 0; i < n; i++) {
      r.entry = i;
      r.expect(0xa4, "an entry map of four fields (k, p, t, v)");
      r.expectKey('k');
      int suffixAt = r.pos;
      int suffixLen = r.head(0x40, "key suffix k (bytes)");
      if (suffixLen > b.length - r.pos) {
        r.pos = suffixAt;
        throw r.fail("key suffix of " + suffixLen + " bytes runs past the node");
      }
      int suffixOff = r.pos;
      r.pos += suffixLen;
      r.expectKey('p');
      int pAt = r.pos;
      int p = r.head(0x00, "prefix length p (unsigned integer)");
      if (prev == null ? p != 0 : p > prev.length) {
        r.pos = pAt;
        throw r.fail("prefix length " + p + " exceeds the previous key");
      }
      byte[] key = new byte[p + suffixLen];
      if (p > 0) {
        System.arraycopy(prev, 0, key, 0, p);
      }
      System.arraycopy(b, suffixOff, key, p, suffixLen);
      if (key.length == 0) {
        r.pos = suffixAt;
        throw r.fail("empty key");
      }
      if (prev != null && Arrays.compareUnsigned(prev, key) >= 0) {
        r.pos = suffixAt;
        throw r.fail("key is not above the previous key");
      }
      r.expectKey('t');
      Cid t = r.nullOrLink("subtree t");
      rights[i] = t == null ? null : new Node.Ref(t);
      r.expectKey('v');
      valueAt[i] = r.checkedLink("value v");
      keys[i] = key;
      prev = key;
    }
    r.entry = -1;
    r.expectKey('l');
    Cid l = r.nullOrLink("left subtree l");
    if (r.pos != b.length) {
      throw r.fail((b.length - r.pos) + " bytes after the node");
    }
    Node node = new Node(l == null ? null : new Node.Ref(l), keys, b, valueAt, rights);
    node.knownCid(cid, b);
    return node;
  }

  /** A cursor over one node's bytes whose errors name the node and the offset. */
  private static final class Reader {
    final Cid cid;
    final byte[] b;
    int pos;
    int entry = -1;

    Reader(Cid cid, byte[] b) {
      this.cid = cid;
      this.b = b;
    }

    MstException fail(String what) {
      return new MstException("MST node is not canonical: " + (entry >= 0 ? "entry " + entry + ": " : "") + what
          + " (at byte " + pos + ")", cid);
    }

    int next(String what) {
      if (pos >= b.length) {
        throw fail("truncated where " + what + " was expected");
      }
      return b[pos++] & 0xFF;
    }

    void expect(int v, String what) {
      int at = pos;
      if (next(what) != v) {
        pos = at;
        throw fail("expected " + what);
      }
    }

    void expectKey(char k) {
      int at = pos;
      if (next("a field name") != 0x61 || next("a field name") != k) {
        pos = at;
        throw fail("expected field '" + k + "' (fields must be exactly those of an MST node, in canonical order)");
      }
    }

    /** A head of major type {@code major} with its minimal-length argument (at most 2^31-1). */
    int head(int major, String what) {
      int at = pos;
      int ib = next(what);
      if ((ib & 0xe0) != major) {
        pos = at;
        throw fail("expected " + what);
      }
      int info = ib & 0x1f;
      long v;
      if (info < 24) {
        return info;
      } else if (info == 24) {
        v = next(what);
        if (v < 24) {
          pos = at;
          throw fail("non-minimal length for " + what);
        }
      } else if (info == 25) {
        v = ((long) next(what) << 8) | next(what);
        if (v < 0x100) {
          pos = at;
          throw fail("non-minimal length for " + what);
        }
      } else if (info == 26) {
        v = ((long) next(what) << 24) | ((long) next(what) << 16) | ((long) next(what) << 8) | next(what);
        if (v < 0x10000) {
          pos = at;
          throw fail("non-minimal length for " + what);
        }
        if (v > Integer.MAX_VALUE) {
          pos = at;
          throw fail("too large a value for " + what);
        }
      } else {
        pos = at;
        throw fail("unsupported length encoding for " + what);
      }
      return (int) v;
    }

    Cid nullOrLink(String what) {
      if (pos < b.length && (b[pos] & 0xFF) == 0xf6) {
        pos++;
        return null;
      }
      return link(what);
    }

    /** Validates a link without building the CID; returns the offset of its 36 bytes. */
    int checkedLink(String what) {
      int at = pos;
      if (b.length - pos < LINK || (b[pos] & 0xFF) != 0xd8 || b[pos + 1] != 0x2a || (b[pos + 2] & 0xFF) != 0x58
          || b[pos + 3] != 0x25 || b[pos + 4] != 0x00) {
        throw fail("expected " + what + " as a CID link");
      }
      try {
        if (Cid.prefixLength(b, pos + 5, pos + 5 + Cid.BINARY_LENGTH) != Cid.BINARY_LENGTH) {
          throw fail("expected " + what + " as a 36-byte CID");
        }
      } catch (InvalidCidException e) {
        throw new MstException("MST node has an invalid CID for " + (entry >= 0 ? "entry " + entry + " " : "") + what
            + " (at byte " + at + "): " + e.getMessage(), cid, e);
      }
      pos += LINK;
      return at + 5;
    }

    Cid link(String what) {
      int at = pos;
      if (b.length - pos < LINK || (b[pos] & 0xFF) != 0xd8 || b[pos + 1] != 0x2a || (b[pos + 2] & 0xFF) != 0x58
          || b[pos + 3] != 0x25 || b[pos + 4] != 0x00) {
        throw fail("expected " + what + " as a CID link");
      }
      try {
        Cid c = Cid.decode(b, pos + 5, Cid.BINARY_LENGTH);
        pos += LINK;
        return c;
      } catch (InvalidCidException e) {
        pos = at;
        throw new MstException("MST node has an invalid CID for " + (entry >= 0 ? "entry " + entry + " " : "") + what
            + " (at byte " + at + "): " + e.getMessage(), cid, e);
      }
    }
  }
}
