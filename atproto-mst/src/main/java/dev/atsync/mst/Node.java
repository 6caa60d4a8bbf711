package dev.atsync.mst;

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
  final Ref[] rights;
  /** The values, or null while they are still only offsets into {@link #src}. */
  private volatile Cid[] values;
  /**
   * A decoded node keeps its value CIDs as offsets into its block until something needs them:
   * most nodes an inversion opens are only searched, and a node copied along a changed path is
   * re-encoded from the raw CID bytes, so building CID objects for every entry would dominate
   * the decoding cost.
   */
  private final byte[] src;
  private final int[] valueAt;
  // volatile: nodes are shared between trees that may be read from several threads, and the
  // lazily computed encoding must be published with its contents
  private volatile byte[] encoded;
  private volatile Cid cid;

  Node(Ref left, byte[][] keys, Cid[] values, Ref[] rights) {
    this.left = left;
    this.keys = keys;
    this.values = values;
    this.rights = rights;
    this.src = null;
    this.valueAt = null;
  }

  /** A node whose values are the (already validated) 36-byte CIDs at {@code valueAt} in {@code src}. */
  Node(Ref left, byte[][] keys, byte[] src, int[] valueAt, Ref[] rights) {
    this.left = left;
    this.keys = keys;
    this.values = null;
    this.rights = rights;
    this.src = src;
    this.valueAt = valueAt;
  }

  /** All values (materialized on first call for a decoded node). Callers must not modify the array. */
  Cid[] values() {
    Cid[] v = values;
    if (v == null) {
      v = new Cid[keys.length];
      for (int i = 0; i < v.length; i++) {
        v[i] = Cid.decode(src, valueAt[i], Cid.BINARY_LENGTH);
      }
      values = v;
    }
    return v;
  }

  /** The value of entry {@code i}. */
  Cid value(int i) {
    Cid[] v = values;
    return v != null ? v[i] : Cid.decode(src, valueAt[i], Cid.BINARY_LENGTH);
  }

  /** Writes entry {@code i}'s value CID (36 bytes) at {@code off}; returns the offset after it. */
  int writeValue(int i, byte[] out, int off) {
    Cid[] v = values;
    if (v != null) {
      return v[i].writeTo(out, off);
    }
    System.arraycopy(src, valueAt[i], out, off, Cid.BINARY_LENGTH);
    return off + Cid.BINARY_LENGTH;
  }

  /** This node with child {@code i} (0 = left) replaced, values still lazy if they were. */
  Node withChild(int i, Ref child) {
    Ref l = left;
    Ref[] r = rights;
    if (i == 0) {
      l = child;
    } else {
      r = rights.clone();
      r[i - 1] = child;
    }
    Cid[] v = values;
    return v != null ? new Node(l, keys, v, r) : new Node(l, keys, src, valueAt, r);
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
      cid = c = NodeCodec.cid(encoded());
    }
    return c;
  }

  /** A node decoded from bytes that hash to {@code cid}: its CID is already known. */
  void knownCid(Cid c, byte[] bytes) {
    cid = c;
    encoded = bytes;
  }

  private byte[] encode() {
    return NodeCodec.encode(this);
  }

  /**
   * Decodes a node strictly: the canonical DAG-CBOR of exactly the fields {@code e} and
   * {@code l} (null or a link), entries with exactly {@code k}, {@code p}, {@code t}, {@code v},
   * prefix lengths within the previous key, and keys strictly increasing.
   */
  static Node decode(Cid cid, byte[] bytes) {
    return NodeCodec.decode(cid, bytes);
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
      return load(source, why, null);
    }

    /**
     * Loads the subtree; on failure the message says {@code action} and the key concerned
     * ({@code subject}, a String or ASCII bytes), formatted only then because this is the hot path.
     */
    Node load(BlockSource source, String action, Object subject) {
      Node n = node;
      if (n == null) {
        java.util.Optional<byte[]> bytes = source.get(cid);
        if (bytes.isEmpty()) {
          throw new MissingBlockException(cid, subject == null ? action : action + " " + (subject instanceof byte[] k
              ? new String(k, StandardCharsets.US_ASCII) : subject));
        }
        node = n = decode(cid, bytes.get());
      }
      return n;
    }
  }
}
