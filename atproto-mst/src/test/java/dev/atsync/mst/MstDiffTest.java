package dev.atsync.mst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cid.Cid;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link Mst#diff} against a diff of the two entry maps. */
class MstDiffTest {
  static Cid v(String s) {
    return Cid.ofDagCbor(s.getBytes(StandardCharsets.UTF_8));
  }

  @Property(tries = 60)
  void diffMatchesTheEntryMaps(@ForAll long seed, @ForAll @IntRange(min = 0, max = 400) int size,
      @ForAll @IntRange(min = 0, max = 40) int changes) {
    Random rnd = new Random(seed);
    TreeMap<String, Cid> a = new TreeMap<>();
    for (int i = 0; i < size; i++) {
      a.put("com.example.c" + rnd.nextInt(3) + "/k" + rnd.nextInt(100_000), v("a" + i));
    }
    TreeMap<String, Cid> b = new TreeMap<>(a);
    List<String> keys = new ArrayList<>(a.keySet());
    for (int i = 0; i < changes; i++) {
      int kind = rnd.nextInt(3);
      if (kind == 0 || keys.isEmpty()) {
        b.put("com.example.c" + rnd.nextInt(3) + "/n" + rnd.nextInt(100_000), v("b" + i));
      } else if (kind == 1) {
        b.put(keys.get(rnd.nextInt(keys.size())), v("u" + i));
      } else {
        b.remove(keys.get(rnd.nextInt(keys.size())));
      }
    }
    Mst ta = Mst.build(a, BlockSource.EMPTY);
    Map<Cid, byte[]> aBlocks = ta.allNodes();
    // b is derived by updates from a loaded partial tree, so shared subtrees stay unopened
    Mst tb = Mst.load(ta.rootCid(), BlockSource.of(aBlocks));
    for (String k : new TreeSet<>(a.keySet())) {
      if (!b.containsKey(k)) {
        tb = tb.delete(k);
      }
    }
    for (Map.Entry<String, Cid> e : b.entrySet()) {
      tb = tb.put(e.getKey(), e.getValue());
    }
    assertEquals(Mst.build(b, BlockSource.EMPTY).rootCid(), tb.rootCid());

    List<Mst.Entry> removed = new ArrayList<>();
    List<Mst.Entry> added = new ArrayList<>();
    TreeSet<String> all = new TreeSet<>(a.keySet());
    all.addAll(b.keySet());
    for (String k : all) {
      Optional<Cid> x = Optional.ofNullable(a.get(k));
      Optional<Cid> y = Optional.ofNullable(b.get(k));
      if (!x.equals(y)) {
        x.ifPresent(c -> removed.add(new Mst.Entry(k, c)));
        y.ifPresent(c -> added.add(new Mst.Entry(k, c)));
      }
    }
    MstDiff d = Mst.diff(Mst.load(ta.rootCid(), BlockSource.of(aBlocks)), tb);
    assertEquals(removed, d.removed());
    assertEquals(added, d.added());
    // every node of b that a lacks is among the new blocks
    Map<Cid, byte[]> bBlocks = tb.allNodes();
    for (Cid c : bBlocks.keySet()) {
      if (!aBlocks.containsKey(c)) {
        assertTrue(d.newBlocks().containsKey(c), "new node " + c);
      }
    }
    for (Cid c : d.newBlocks().keySet()) {
      assertTrue(bBlocks.containsKey(c));
    }
    // and the reverse diff is the mirror image
    MstDiff back = Mst.diff(tb, Mst.load(ta.rootCid(), BlockSource.of(aBlocks)));
    assertEquals(added, back.removed());
    assertEquals(removed, back.added());
    Map<Cid, byte[]> union = new HashMap<>(aBlocks);
    union.putAll(bBlocks);
    assertEquals(0, Mst.diff(tb, Mst.load(tb.rootCid(), BlockSource.of(union))).isEmpty() ? 0 : 1);
  }
}
