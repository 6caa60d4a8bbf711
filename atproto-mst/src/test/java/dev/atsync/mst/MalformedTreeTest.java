package dev.atsync.mst;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cid.Cid;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Hostile blocks: non-canonical nodes and trees deeper than key heights allow fail cleanly. */
class MalformedTreeTest {
  static final Cid V = Cid.ofDagCbor(new byte[] {(byte) 0xa0});

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static String keyOfHeight(int h, String prefix) {
    for (int i = 0; ; i++) {
      String k = prefix + i;
      if (MstKeys.height(k) == h) {
        return k;
      }
    }
  }

  /** A real node with several entries, subtrees and a left link. */
  static byte[] sampleNode() {
    TreeMap<String, Cid> entries = new TreeMap<>();
    for (int i = 0; i < 60; i++) {
      entries.put("com.example.record/" + i, Cid.ofDagCbor(ascii("v" + i)));
    }
    Mst t = Mst.build(entries, BlockSource.EMPTY);
    return t.allNodes().get(t.rootCid());
  }

  @Test
  void chainOfEmptyNodesDeeperThanAnyKeyHeight() {
    Map<Cid, byte[]> blocks = new HashMap<>();
    Node n = new Node(null, new byte[][] {ascii("a/b")}, new Cid[] {V}, new Node.Ref[1]);
    blocks.put(n.cid(), n.encoded());
    for (int i = 0; i < 300; i++) {
      n = new Node(new Node.Ref(n), new byte[0][], new Cid[0], new Node.Ref[0]);
      blocks.put(n.cid(), n.encoded());
    }
    Cid root = n.cid();
    assertThrows(MstException.class, () -> Mst.load(root, BlockSource.of(blocks)));
  }

  @Test
  void subtreesHangingBelowLayerZero() {
    // every node holds one height-0 key and links a further node to its right: a list, not a tree
    Map<Cid, byte[]> blocks = new HashMap<>();
    Node n = null;
    for (int i = 5000; i >= 0; i--) {
      byte[] k = ascii(keyOfHeight(0, String.format("com.example.x/%05d-", i)));
      n = new Node(null, new byte[][] {k}, new Cid[] {V}, new Node.Ref[] {n == null ? null : new Node.Ref(n)});
      blocks.put(n.cid(), n.encoded());
    }
    Mst t = Mst.load(n.cid(), BlockSource.of(blocks));
    assertThrows(MstException.class, () -> t.put("com.example.x/99999", V));
    assertThrows(MstException.class, () -> t.delete("com.example.x/99999"));
    assertThrows(MstException.class, t::allNodes);
  }

  @Test
  void nonCanonicalVariantsOfANodeAreRejected() {
    byte[] good = sampleNode();
    Cid cid = Cid.ofDagCbor(good);
    Node ok = Node.decode(cid, good);
    assertArrayEquals(good, NodeCodec.encode(ok));
    List<byte[]> bad = new ArrayList<>();
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    trailing[good.length] = (byte) 0xf6;
    bad.add(trailing);
    byte[] keysSwapped = good.clone();
    keysSwapped[2] = 'l'; // first field named l: wrong order
    bad.add(keysSwapped);
    byte[] indefinite = good.clone();
    indefinite[0] = (byte) 0xbf;
    bad.add(indefinite);
    bad.add(new byte[] {(byte) 0xa2, 0x61, 'e', (byte) 0x9a, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    bad.add(new byte[] {(byte) 0xa2, 0x61, 'e', (byte) 0x98, 0x01, 0x61, 'l', (byte) 0xf6}); // non-minimal length
    bad.add(new byte[] {(byte) 0xa1, 0x61, 'e', (byte) 0x80}); // l missing
    for (byte[] b : bad) {
      assertThrows(MstException.class, () -> Node.decode(cid, b));
    }
  }

  @Property(tries = 400)
  void everyMutationFailsCleanlyOrIsCanonical(@ForAll @IntRange(min = 0, max = 1 << 20) int where,
      @ForAll byte value, @ForAll boolean truncate) {
    byte[] good = sampleNode();
    int at = where % good.length;
    byte[] b = truncate ? java.util.Arrays.copyOf(good, at) : good.clone();
    if (!truncate) {
      b[at] = value;
    }
    Node n;
    try {
      n = Node.decode(Cid.ofDagCbor(b), b);
    } catch (MstException e) {
      assertTrue(e.getMessage().contains("node"), e.getMessage());
      return;
    }
    // accepted: then it is exactly the canonical encoding of what was decoded
    assertArrayEquals(b, NodeCodec.encode(n));
    assertEquals(n.size(), n.values().length);
  }
}
