package dev.atsync.mst;

import dev.atsync.cbor.CborException;
import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.CborWriter;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One immutable MST node: a left subtree, then entries each with a key, a value CID and the
 * subtree to its right. Children are {@link Ref}s, so unloaded subtrees cost nothing. The
 * node's encoding and CID are computed once, on first use.
 */
final class Node {
  static final Node EMPTY = new Node(null, new byte[0][], new Cid[0], new Ref[0]);

  final Ref left;
  final byte[][] keys;
  final Cid[] values;
  final Ref[] rights;
  private byte[] encoded;
  private Cid cid;

  Node(Ref left, byte[][] keys, Cid[] values, Ref[] rights) {
    this.left = left;
    this.keys = keys;
    this.values = values;
    this.rights = rights;
  }

  int size() {
    return keys.length;
  }

  boolean isEmpty() {
    return keys.length == 0 && left == null;
  }

  /** The child before entry {@code i} (0 = left), or after the last entry when {@code i == size()}. */
  Ref child(int i) {
    return i == 0 ? left : rights[i - 1];
  }

  /** Index of the first entry whose key is not below {@code key}. */
  int search(byte[] key) {
    int lo = 0;
    int hi = keys.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(keys[mid], key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  boolean hasKeyAt(int i, byte[] key) {
    return i < keys.length && Arrays.equals(keys[i], key);
  }

  byte[] encoded() {
    byte[] e = encoded;
    if (e == null) {
      encoded = e = encode();
    }
    return e;
  }

  Cid cid() {
    Cid c = cid;
    if (c == null) {
      cid = c = Cid.ofDagCbor(encoded());
    }
    return c;
  }

  /** A node decoded from bytes that hash to {@code cid}: its CID is already known. */
  void knownCid(Cid c, byte[] bytes) {
    cid = c;
    encoded = bytes;
  }

  private byte[] encode() {
    CborWriter w = new CborWriter(16 + keys.length * 90);
    w.writeMapHeader(2);
    w.writeKey("e");
    w.writeListHeader(keys.length);
    byte[] prev = new byte[0];
    for (int i = 0; i < keys.length; i++) {
      byte[] k = keys[i];
      int p = MstKeys.commonPrefixLength(prev, k);
      w.writeMapHeader(4);
      w.writeKey("k");
      w.writeBytes(k, p, k.length - p);
      w.writeKey("p");
      w.writeLong(p);
      w.writeKey("t");
      if (rights[i] == null) {
        w.writeNull();
      } else {
        w.writeLink(rights[i].cid());
      }
      w.writeKey("v");
      w.writeLink(values[i]);
      prev = k;
    }
    w.writeKey("l");
    if (left == null) {
      w.writeNull();
    } else {
      w.writeLink(left.cid());
    }
    return w.toByteArray();
  }

  /**
   * Decodes a node strictly: canonical DAG-CBOR, fields {@code e} and {@code l} (l null or a
   * link), entries with {@code k}, {@code p}, {@code t}, {@code v}, prefix lengths within the
   * previous key, and keys strictly increasing.
   */
  static Node decode(Cid cid, byte[] bytes) {
    try {
      CborReader r = new CborReader(bytes, 0, bytes.length, 8);
      int fields = r.readMapHeader();
      byte[][] keys = null;
      Cid[] values = null;
      Ref[] rights = null;
      Ref left = null;
      boolean sawLeft = false;
      for (int f = 0; f < fields; f++) {
        String name = r.readKey();
        if (name.equals("e")) {
          int n = r.readListHeader();
          keys = new byte[n][];
          values = new Cid[n];
          rights = new Ref[n];
          byte[] prev = new byte[0];
          for (int i = 0; i < n; i++) {
            int m = r.readMapHeader();
            byte[] suffix = null;
            long p = -1;
            boolean sawT = false;
            for (int j = 0; j < m; j++) {
              String k = r.readKey();
              switch (k) {
                case "k":
                  suffix = r.readBytes();
                  break;
                case "p":
                  p = r.readLong();
                  break;
                case "t":
                  sawT = true;
                  rights[i] = r.tryReadNull() ? null : new Ref(r.readLink());
                  break;
                case "v":
                  values[i] = r.readLink();
                  break;
                default:
                  throw new MstException("entry " + i + " has unknown field '" + k + "'", cid);
              }
            }
            if (suffix == null || p < 0 || values[i] == null || !sawT) {
              throw new MstException("entry " + i + " lacks one of k, p, t, v", cid);
            }
            if (p > prev.length || (i == 0 && p != 0)) {
              throw new MstException("entry " + i + " prefix length " + p + " exceeds the previous key", cid);
            }
            byte[] key = new byte[(int) p + suffix.length];
            System.arraycopy(prev, 0, key, 0, (int) p);
            System.arraycopy(suffix, 0, key, (int) p, suffix.length);
            if (i > 0 && Arrays.compareUnsigned(prev, key) >= 0) {
              throw new MstException("entry " + i + " key is not above the previous key", cid);
            }
            keys[i] = key;
            prev = key;
          }
        } else if (name.equals("l")) {
          sawLeft = true;
          if (r.peekKind() == Value.Kind.NULL) {
            r.readNull();
          } else {
            left = new Ref(r.readLink());
          }
        } else {
          throw new MstException("node has unknown field '" + name + "'", cid);
        }
      }
      r.requireEnd();
      if (keys == null || !sawLeft) {
        throw new MstException("node lacks field " + (keys == null ? "e" : "l"), cid);
      }
      Node node = new Node(left, keys, values, rights);
      node.knownCid(cid, bytes);
      return node;
    } catch (CborException e) {
      throw new MstException("node is not valid DAG-CBOR: " + e.detail(), cid, e);
    }
  }

  static byte[] ascii(String key) {
    return key.getBytes(StandardCharsets.US_ASCII);
  }

  /** A reference to a subtree: loaded, or known only by CID until something looks inside. */
  static final class Ref {
    private final Cid cid;
    private volatile Node node;

    Ref(Cid cid) {
      this.cid = cid;
    }

    Ref(Node node) {
      this.cid = null;
      this.node = node;
    }

    Cid cid() {
      return cid != null ? cid : node.cid();
    }

    boolean loaded() {
      return node != null;
    }

    Node load(BlockSource source, String why) {
      Node n = node;
      if (n == null) {
        byte[] bytes = source.get(cid).orElseThrow(() -> new MissingBlockException(cid, why));
        node = n = decode(cid, bytes);
      }
      return n;
    }
  }
}
