package dev.atsync.mst;

import dev.atsync.cid.Cid;
import dev.atsync.mst.Node.Ref;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Predicate;

/**
 * An immutable, persistent Merkle Search Tree of repository keys to record CIDs, as the atproto
 * repository spec defines it: a key's layer is its {@linkplain MstKeys#height height}; a node at
 * layer L holds the keys of height L in order, with subtrees of layer L-1 between them (an empty
 * gap has no subtree; a gap whose keys are all lower has a chain of entry-less nodes); the root's
 * layer is the highest key height, so the shape depends only on the key set, never on the order
 * of inserts.
 *
 * <p>Every update returns a new tree that shares every untouched node with the old one; only
 * changed nodes are re-encoded when the root CID is asked for. Subtrees are loaded from the
 * {@link BlockSource} only when an operation must look inside them, so a partial tree (the blocks
 * of one commit) supports every operation whose paths it covers; anything else is a
 * {@link MissingBlockException} naming the absent node.
 *
 * <p>Keys are ASCII strings (repository paths); values are CIDs.
 */
public final class Mst {
  private final Node root;
  private final int layer;
  private final BlockSource source;

  private Mst(Node root, int layer, BlockSource source) {
    this.root = root;
    this.layer = layer;
    this.source = source;
  }

  /** The empty tree. */
  public static Mst empty(BlockSource source) {
    return new Mst(Node.EMPTY, 0, source);
  }

  /** The tree rooted at {@code root}, loaded lazily from {@code source}. */
  public static Mst load(Cid root, BlockSource source) {
    Node n = new Ref(root).load(source, "loading the root");
    return new Mst(n, layerOf(n, source), source);
  }

  /** The tree of {@code entries}, built bottom-up in one pass. */
  public static Mst build(SortedMap<String, Cid> entries, BlockSource source) {
    int n = entries.size();
    byte[][] keys = new byte[n][];
    Cid[] values = new Cid[n];
    int[] heights = new int[n];
    int i = 0;
    int top = 0;
    for (Map.Entry<String, Cid> e : entries.entrySet()) {
      keys[i] = key(e.getKey());
      values[i] = Objects.requireNonNull(e.getValue());
      heights[i] = MstKeys.height(keys[i]);
      top = Math.max(top, heights[i]);
      if (i > 0 && Arrays.compareUnsigned(keys[i - 1], keys[i]) >= 0) {
        throw new IllegalArgumentException("keys must be sorted bytewise: " + e.getKey());
      }
      i++;
    }
    if (n == 0) {
      return empty(source);
    }
    return new Mst(build(keys, values, heights, 0, n, top), top, source);
  }

  private static Node build(byte[][] keys, Cid[] values, int[] heights, int from, int to, int layer) {
    if (from >= to) {
      return null;
    }
    List<Integer> here = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (heights[i] == layer) {
        here.add(i);
      }
    }
    if (here.isEmpty()) {
      Node below = build(keys, values, heights, from, to, layer - 1);
      return new Node(new Ref(below), new byte[0][], new Cid[0], new Ref[0]);
    }
    int m = here.size();
    byte[][] k = new byte[m][];
    Cid[] v = new Cid[m];
    Ref[] rights = new Ref[m];
    Node left = build(keys, values, heights, from, here.get(0), layer - 1);
    for (int j = 0; j < m; j++) {
      int at = here.get(j);
      k[j] = keys[at];
      v[j] = values[at];
      int next = j + 1 < m ? here.get(j + 1) : to;
      rights[j] = ref(build(keys, values, heights, at + 1, next, layer - 1));
    }
    return new Node(ref(left), k, v, rights);
  }

  /** The root CID; only nodes changed since load are encoded and hashed. */
  public Cid rootCid() {
    return root.cid();
  }

  /** The block source subtrees are loaded from. */
  public BlockSource source() {
    return source;
  }

  /** Whether the tree has no keys. */
  public boolean isEmpty() {
    return root.size() == 0 && root.left == null;
  }

  /** The value at {@code key}. */
  public Optional<Cid> get(String key) {
    byte[] k = key(key);
    Node node = root;
    while (true) {
      int i = node.search(k);
      if (node.hasKeyAt(i, k)) {
        return Optional.of(node.value(i));
      }
      Ref child = node.child(i);
      if (child == null) {
        return Optional.empty();
      }
      node = child.load(source, "looking up", key);
    }
  }

  /** This tree with {@code key} set to {@code value} (inserted or replaced). */
  public Mst put(String key, Cid value) {
    byte[] k = key(key);
    Objects.requireNonNull(value, "value");
    int h = MstKeys.height(k);
    if (isEmpty()) {
      return new Mst(new Node(null, new byte[][] {k}, new Cid[] {value}, new Ref[1]), h, source);
    }
    if (h > layer) {
      Node[] parts = split(root, layer, k);
      Node a = raise(parts[0], layer, h - 1);
      Node b = raise(parts[1], layer, h - 1);
      return new Mst(new Node(ref(a), new byte[][] {k}, new Cid[] {value}, new Ref[] {ref(b)}), h, source);
    }
    return new Mst(insert(root, layer, k, h, value, key), layer, source);
  }

  /** This tree without {@code key} (the same tree if it is absent). */
  public Mst delete(String key) {
    byte[] k = key(key);
    Node n = remove(root, layer, k, key);
    if (n == root) {
      return this;
    }
    int l = layer;
    while (n != null && n.size() == 0 && n.left != null) {
      n = n.left.load(source, "trimming the root after deleting", key);
      l--;
    }
    if (n == null || n.isEmpty()) {
      return empty(source);
    }
    return new Mst(n, l, source);
  }

  private Node insert(Node node, int l, byte[] k, int h, Cid v, String why) {
    belowRoot(node, l);
    int i = node.search(k);
    if (node.hasKeyAt(i, k)) {
      if (node.value(i).equals(v)) {
        return node;
      }
      Cid[] values = node.values().clone();
      values[i] = v;
      return new Node(node.left, node.keys, values, node.rights);
    }
    Ref gap = node.child(i);
    if (h == l) {
      Node[] parts = gap == null ? new Node[2] : split(gap.load(source, "inserting", why), l - 1, k);
      int n = node.size();
      byte[][] keys = new byte[n + 1][];
      Cid[] values = new Cid[n + 1];
      Ref[] rights = new Ref[n + 1];
      System.arraycopy(node.keys, 0, keys, 0, i);
      System.arraycopy(node.values(), 0, values, 0, i);
      System.arraycopy(node.rights, 0, rights, 0, i);
      keys[i] = k;
      values[i] = v;
      rights[i] = ref(parts[1]);
      System.arraycopy(node.keys, i, keys, i + 1, n - i);
      System.arraycopy(node.values(), i, values, i + 1, n - i);
      System.arraycopy(node.rights, i, rights, i + 1, n - i);
      Ref left = node.left;
      if (i == 0) {
        left = ref(parts[0]);
      } else {
        rights[i - 1] = ref(parts[0]);
      }
      return new Node(left, keys, values, rights);
    }
    Node child = gap == null ? chain(k, v, h, l - 1) : insert(gap.load(source, "inserting", why), l - 1, k, h, v, why);
    return withChild(node, i, ref(child));
  }

  /** A subtree at layer {@code top} holding only {@code k} (of height {@code h}). */
  private static Node chain(byte[] k, Cid v, int h, int top) {
    Node n = new Node(null, new byte[][] {k}, new Cid[] {v}, new Ref[1]);
    return raise(n, h, top);
  }

  /** Wraps a subtree of layer {@code from} in entry-less nodes up to layer {@code to}. */
  private static Node raise(Node n, int from, int to) {
    if (n == null) {
      return null;
    }
    for (int l = from; l < to; l++) {
      n = new Node(new Ref(n), new byte[0][], new Cid[0], new Ref[0]);
    }
    return n;
  }

  /** Splits a subtree of layer {@code l} around {@code k} (absent) into the parts below and above it. */
  private Node[] split(Node node, int l, byte[] k) {
    belowRoot(node, l);
    int i = node.search(k);
    Ref gap = node.child(i);
    Node[] sub = gap == null ? new Node[2] : split(gap.load(source, "splitting at a new key"), l - 1, k);
    int n = node.size();
    Node left;
    if (i == 0) {
      left = sub[0] == null ? null : new Node(ref(sub[0]), new byte[0][], new Cid[0], new Ref[0]);
    } else {
      Ref[] rights = Arrays.copyOf(node.rights, i);
      rights[i - 1] = ref(sub[0]);
      left = new Node(node.left, Arrays.copyOf(node.keys, i), Arrays.copyOf(node.values(), i), rights);
    }
    Node right;
    if (i == n) {
      right = sub[1] == null ? null : new Node(ref(sub[1]), new byte[0][], new Cid[0], new Ref[0]);
    } else {
      right = new Node(ref(sub[1]), Arrays.copyOfRange(node.keys, i, n), Arrays.copyOfRange(node.values(), i, n),
          Arrays.copyOfRange(node.rights, i, n));
    }
    return new Node[] {left, right};
  }

  /** The subtree without {@code k}; the same node if absent; {@code null} if nothing is left. */
  private Node remove(Node node, int l, byte[] k, String why) {
    belowRoot(node, l);
    int i = node.search(k);
    if (node.hasKeyAt(i, k)) {
      Node merged = merge(node.child(i), node.child(i + 1), l - 1, why);
      int n = node.size();
      byte[][] keys = new byte[n - 1][];
      Cid[] values = new Cid[n - 1];
      Ref[] rights = new Ref[n - 1];
      System.arraycopy(node.keys, 0, keys, 0, i);
      System.arraycopy(node.values(), 0, values, 0, i);
      System.arraycopy(node.rights, 0, rights, 0, i);
      System.arraycopy(node.keys, i + 1, keys, i, n - i - 1);
      System.arraycopy(node.values(), i + 1, values, i, n - i - 1);
      System.arraycopy(node.rights, i + 1, rights, i, n - i - 1);
      Ref left = node.left;
      if (i == 0) {
        left = ref(merged);
      } else {
        rights[i - 1] = ref(merged);
      }
      Node out = new Node(left, keys, values, rights);
      return out.isEmpty() ? null : out;
    }
    Ref gap = node.child(i);
    if (gap == null) {
      return node;
    }
    Node child = gap.load(source, "deleting", why);
    Node updated = remove(child, l - 1, k, why);
    if (updated == child) {
      return node;
    }
    if (updated != null && updated.size() == 0 && updated.left == null) {
      updated = null;
    }
    Node out = withChild(node, i, ref(updated));
    return out.isEmpty() ? null : out;
  }

  /** Joins two adjacent subtrees of layer {@code l} (all of {@code a} below all of {@code b}). */
  private Node merge(Ref a, Ref b, int l, String why) {
    if (a == null) {
      return b == null ? null : b.load(source, "merging around", why);
    }
    if (b == null) {
      return a.load(source, "merging around", why);
    }
    Node x = a.load(source, "merging around", why);
    Node y = b.load(source, "merging around", why);
    belowRoot(x, l);
    Node mid = merge(x.child(x.size()), y.left, l - 1, why);
    int nx = x.size();
    int ny = y.size();
    byte[][] keys = new byte[nx + ny][];
    Cid[] values = new Cid[nx + ny];
    Ref[] rights = new Ref[nx + ny];
    System.arraycopy(x.keys, 0, keys, 0, nx);
    System.arraycopy(y.keys, 0, keys, nx, ny);
    System.arraycopy(x.values(), 0, values, 0, nx);
    System.arraycopy(y.values(), 0, values, nx, ny);
    System.arraycopy(x.rights, 0, rights, 0, nx);
    System.arraycopy(y.rights, 0, rights, nx, ny);
    Ref left = x.left;
    if (nx == 0) {
      left = ref(mid);
    } else {
      rights[nx - 1] = ref(mid);
    }
    return new Node(left, keys, values, rights);
  }

  private static Node withChild(Node node, int i, Ref child) {
    return node.withChild(i, child);
  }

  /** The deepest layer a key can have: SHA-256 has 256 bits, two per layer. */
  static final int MAX_LAYER = 128;

  /**
   * Stops recursion into malformed trees (subtrees hanging below layer 0, or chains of empty
   * nodes deeper than any key height), which would otherwise recurse without bound.
   */
  private static void belowRoot(Node node, int l) {
    if (l < 0) {
      throw new MstException("node lies below layer 0 (the tree is deeper than its keys' heights allow)",
          node.cid());
    }
  }

  private static Ref ref(Node n) {
    return n == null ? null : new Ref(n);
  }

  private static int layerOf(Node n, BlockSource source) {
    int depth = 0;
    while (n.size() == 0) {
      if (n.left == null) {
        return depth == 0 ? 0 : depth;
      }
      n = n.left.load(source, "finding the root's layer");
      depth++;
      if (depth > MAX_LAYER) {
        throw new MstException("root has a chain of more than " + MAX_LAYER + " entry-less nodes", null);
      }
    }
    return MstKeys.height(n.keys[0]) + depth;
  }

  static byte[] key(String key) {
    if (key.isEmpty()) {
      throw new IllegalArgumentException("MST keys must not be empty");
    }
    for (int i = 0; i < key.length(); i++) {
      if (key.charAt(i) > 0x7E || key.charAt(i) < 0x21) {
        throw new IllegalArgumentException("MST keys are printable ASCII: " + key);
      }
    }
    return key.getBytes(StandardCharsets.US_ASCII);
  }

  // ---- iteration ----

  /** One key and its value. */
  public record Entry(String key, Cid value) {}

  /** Every entry in key order (loads the whole tree). */
  public Iterable<Entry> entries() {
    return () -> new Walk(null);
  }

  /** The entries whose key starts with {@code prefix}, such as {@code app.bsky.feed.post/}, in order. */
  public Iterable<Entry> entries(String prefix) {
    return () -> new Walk(prefix);
  }

  /** In-order traversal with an explicit stack; with a prefix, skips subtrees outside it. */
  private final class Walk implements Iterator<Entry> {
    private final byte[] prefix;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Integer> positions = new ArrayList<>();
    private Entry next;

    Walk(String prefix) {
      this.prefix = prefix == null ? null : prefix.getBytes(StandardCharsets.US_ASCII);
      descend(root);
      advance();
    }

    private void descend(Node n) {
      // start each node at the first entry that can match the prefix
      int start = prefix == null ? 0 : n.search(prefix);
      nodes.add(n);
      positions.add(start * 2);
    }

    private void advance() {
      next = null;
      while (!nodes.isEmpty()) {
        int top = nodes.size() - 1;
        Node n = nodes.get(top);
        int pos = positions.get(top);
        if (pos > 2 * n.size()) {
          nodes.remove(top);
          positions.remove(top);
          continue;
        }
        positions.set(top, pos + 1);
        if (pos % 2 == 0) {
          Ref child = n.child(pos / 2);
          if (child != null) {
            descend(child.load(source, "iterating"));
          }
          continue;
        }
        int i = pos / 2;
        byte[] k = n.keys[i];
        if (prefix != null && Arrays.compareUnsigned(k, prefix) >= 0 && !startsWith(k, prefix)) {
          nodes.clear();
          return;
        }
        if (prefix == null || startsWith(k, prefix)) {
          next = new Entry(new String(k, StandardCharsets.US_ASCII), n.value(i));
          return;
        }
      }
    }

    private boolean startsWith(byte[] k, byte[] p) {
      return k.length >= p.length && Arrays.equals(k, 0, p.length, p, 0, p.length);
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public Entry next() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      Entry e = next;
      advance();
      return e;
    }
  }

  // ---- diff ----

  /**
   * What changed from {@code a} to {@code b}. Subtrees with the same CID in both are skipped
   * unopened, so the cost follows the size of the change, not of the trees; each tree loads what
   * it must from its own source ({@link MissingBlockException} if a needed node is absent).
   */
  public static MstDiff diff(Mst a, Mst b) {
    List<Entry> removed = new ArrayList<>();
    List<Entry> added = new ArrayList<>();
    Map<Cid, byte[]> opened = new LinkedHashMap<>();
    java.util.Set<Cid> openedInA = new java.util.HashSet<>();
    DiffCursor x = new DiffCursor(a, null);
    DiffCursor y = new DiffCursor(b, opened);
    while (true) {
      if (x.atEnd() && y.atEnd()) {
        break;
      }
      if (x.atSubtree() && y.atSubtree() && x.ref().cid().equals(y.ref().cid())) {
        x.pop();
        y.pop();
        continue;
      }
      if (x.atSubtree() || y.atSubtree()) {
        // open the higher subtree (both when at the same layer), or whichever faces an entry
        int lx = x.atSubtree() ? x.layer() : -1;
        int ly = y.atSubtree() ? y.layer() : -1;
        if (lx >= ly && x.atSubtree()) {
          openedInA.add(x.open());
        }
        if (ly >= lx && y.atSubtree()) {
          y.open();
        }
        continue;
      }
      if (y.atEnd() || (!x.atEnd() && Arrays.compareUnsigned(x.key(), y.key()) < 0)) {
        removed.add(new Entry(x.keyText(), x.value()));
        x.pop();
      } else if (x.atEnd() || Arrays.compareUnsigned(x.key(), y.key()) > 0) {
        added.add(new Entry(y.keyText(), y.value()));
        y.pop();
      } else {
        if (!x.value().equals(y.value())) {
          removed.add(new Entry(x.keyText(), x.value()));
          added.add(new Entry(y.keyText(), y.value()));
        }
        x.pop();
        y.pop();
      }
    }
    opened.keySet().removeAll(openedInA);
    return new MstDiff(removed, added, opened);
  }

  /**
   * A flattened in-order view of one tree for {@link #diff}: a stack of pending items, each an
   * entry or an unopened subtree with its layer.
   */
  private static final class DiffCursor {
    private final BlockSource source;
    private final Map<Cid, byte[]> opened;
    private final java.util.ArrayDeque<Object> items = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<Integer> layers = new java.util.ArrayDeque<>();

    DiffCursor(Mst tree, Map<Cid, byte[]> opened) {
      this.source = tree.source;
      this.opened = opened;
      if (!tree.isEmpty()) {
        items.push(new Ref(tree.root));
        layers.push(tree.layer);
      } else if (opened != null) {
        // the empty tree still has a root block, which has no items to open
        opened.put(tree.root.cid(), tree.root.encoded().clone());
      }
    }

    boolean atEnd() {
      return items.isEmpty();
    }

    boolean atSubtree() {
      return !items.isEmpty() && items.peek() instanceof Ref;
    }

    Ref ref() {
      return (Ref) items.peek();
    }

    int layer() {
      return layers.peek();
    }

    byte[] key() {
      return (byte[]) ((Object[]) items.peek())[0];
    }

    String keyText() {
      return new String(key(), StandardCharsets.US_ASCII);
    }

    Cid value() {
      return (Cid) ((Object[]) items.peek())[1];
    }

    void pop() {
      items.pop();
      layers.pop();
    }

    /** Replaces the subtree on top with its items; returns its CID. */
    Cid open() {
      Ref r = (Ref) items.pop();
      int l = layers.pop();
      Node n = r.load(source, "diffing");
      if (opened != null) {
        opened.put(n.cid(), n.encoded().clone());
      }
      for (int i = n.size(); i >= 0; i--) {
        if (i < n.size()) {
          items.push(new Object[] {n.keys[i], n.value(i)});
          layers.push(l);
        }
        Ref child = n.child(i);
        if (child != null) {
          items.push(child);
          layers.push(l - 1);
        }
      }
      return n.cid();
    }
  }

  // ---- blocks, proofs, diffs ----

  /**
   * The nodes of this tree that were built in memory (by updates or {@link #build}) and for
   * which {@code known} says false: the blocks a store must add. Unloaded subtrees are not
   * visited; they are in the source already.
   *
   * <p>The arrays are the nodes' own encodings, not copies (a producer hands every new node to
   * its store and its proof, on the commit path): treat them as read-only.
   *
   * @param known whether a store already has a block
   * @return the new nodes by CID, parents before children
   */
  public Map<Cid, byte[]> newBlocks(Predicate<Cid> known) {
    Map<Cid, byte[]> out = new LinkedHashMap<>();
    collectNew(root, known, out);
    return out;
  }

  /**
   * Every node of the tree (loading all of it), in depth-first order. The arrays are the nodes'
   * own encodings, not copies: treat them as read-only.
   *
   * @return every node by CID
   */
  public Map<Cid, byte[]> allNodes() {
    Map<Cid, byte[]> out = new LinkedHashMap<>();
    collectAll(root, layer, out);
    return out;
  }

  private void collectAll(Node n, int l, Map<Cid, byte[]> out) {
    belowRoot(n, l);
    out.put(n.cid(), n.encoded());
    for (int i = 0; i <= n.size(); i++) {
      Ref child = n.child(i);
      if (child != null) {
        collectAll(child.load(source, "walking the whole tree"), l - 1, out);
      }
    }
  }

  private static void collectNew(Node n, Predicate<Cid> known, Map<Cid, byte[]> out) {
    Cid c = n.cid();
    if (known.test(c) || out.containsKey(c)) {
      return;
    }
    out.put(c, n.encoded());
    for (int i = 0; i <= n.size(); i++) {
      Ref child = n.child(i);
      if (child != null && child.loaded()) {
        collectNew(child.load(BlockSource.EMPTY, "collecting"), known, out);
      }
    }
  }

  /**
   * The nodes a verifier needs to check and undo changes to {@code keys} on this tree: every
   * node on the lookup path of each key and of its nearest neighbours on both sides. The arrays
   * are the nodes' own encodings, not copies (the commit path): treat them as read-only.
   *
   * @param keys the changed keys
   * @return the proof nodes by CID
   */
  public Map<Cid, byte[]> proofNodes(Collection<String> keys) {
    Map<Cid, byte[]> out = new LinkedHashMap<>();
    for (String key : keys) {
      byte[] k = key(key);
      path(k, out);
      neighbour(k, true).ifPresent(p -> path(p, out));
      neighbour(k, false).ifPresent(s -> path(s, out));
    }
    return out;
  }

  private void path(byte[] k, Map<Cid, byte[]> out) {
    Node node = root;
    while (true) {
      out.put(node.cid(), node.encoded());
      int i = node.search(k);
      if (node.hasKeyAt(i, k)) {
        return;
      }
      Ref child = node.child(i);
      if (child == null) {
        return;
      }
      node = child.load(source, "proving", k);
    }
  }

  /** The greatest key below {@code k} ({@code before}) or the least above it. */
  private Optional<byte[]> neighbour(byte[] k, boolean before) {
    Node node = root;
    byte[] best = null;
    boolean found = false;
    while (node != null) {
      int i = node.search(k);
      Ref next;
      if (found) {
        // past the key: walk the edge of the subtree towards it
        if (node.size() > 0) {
          best = before ? node.keys[node.size() - 1] : node.keys[0];
        }
        next = before ? node.child(node.size()) : node.left;
      } else if (node.hasKeyAt(i, k)) {
        found = true;
        if (before) {
          if (i > 0) {
            best = node.keys[i - 1];
          }
          next = node.child(i);
        } else {
          if (i + 1 < node.size()) {
            best = node.keys[i + 1];
          }
          next = node.child(i + 1);
        }
      } else {
        if (before && i > 0) {
          best = node.keys[i - 1];
        }
        if (!before && i < node.size()) {
          best = node.keys[i];
        }
        next = node.child(i);
      }
      node = next == null ? null : next.load(source, "finding the neighbours of", k);
    }
    return Optional.ofNullable(best);
  }
}
