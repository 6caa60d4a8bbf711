package dev.atsync.mst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cid.Cid;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Shape invariants of the tree over random key sets. */
class MstProperties {
  static Cid value(String k, int version) {
    return Cid.ofDagCbor((k + "#" + version).getBytes(StandardCharsets.UTF_8));
  }

  @Provide
  Arbitrary<List<String>> keySets() {
    // collection-like prefixes so keys share prefixes and reach heights above 0 in larger sets
    return Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofMinLength(1).ofMaxLength(12)
        .map(s -> (s.hashCode() % 3 == 0 ? "app.bsky.feed.post/" : "app.bsky.feed.like/") + s)
        .list().uniqueElements().ofMaxSize(300);
  }

  @Property(tries = 150)
  void sameKeysSameRootWhateverTheOrder(@ForAll("keySets") List<String> keys, @ForAll long seed) {
    TreeMap<String, Cid> sorted = new TreeMap<>();
    for (String k : keys) {
      sorted.put(k, value(k, 0));
    }
    Mst bulk = Mst.build(sorted, BlockSource.EMPTY);
    List<String> shuffled = new ArrayList<>(keys);
    Collections.shuffle(shuffled, new Random(seed));
    Mst incremental = Mst.empty(BlockSource.EMPTY);
    for (String k : shuffled) {
      incremental = incremental.put(k, value(k, 0));
    }
    assertEquals(bulk.rootCid(), incremental.rootCid());
    // add noise keys, then delete them again: the shape returns exactly
    Mst noisy = incremental;
    for (int i = 0; i < 20; i++) {
      noisy = noisy.put("zz.noise/" + seed + "x" + i, value("n", i));
    }
    for (int i = 19; i >= 0; i--) {
      noisy = noisy.delete("zz.noise/" + seed + "x" + i);
    }
    assertEquals(bulk.rootCid(), noisy.rootCid());
    // reloading from blocks gives the same answers
    Mst reloaded = Mst.load(bulk.rootCid(), BlockSource.of(bulk.allNodes()));
    for (String k : keys) {
      assertEquals(value(k, 0), reloaded.get(k).orElseThrow());
    }
    List<String> iterated = new ArrayList<>();
    reloaded.entries().forEach(e -> iterated.add(e.key()));
    assertEquals(new ArrayList<>(sorted.keySet()), iterated);
    List<String> posts = new ArrayList<>();
    reloaded.entries("app.bsky.feed.post/").forEach(e -> posts.add(e.key()));
    assertEquals(sorted.keySet().stream().filter(k -> k.startsWith("app.bsky.feed.post/")).toList(), posts);
  }

  @Property(tries = 100)
  void deletingEverythingLeavesTheEmptyTree(@ForAll("keySets") List<String> keys, @ForAll long seed) {
    Mst t = Mst.empty(BlockSource.EMPTY);
    for (String k : keys) {
      t = t.put(k, value(k, 1));
    }
    List<String> order = new ArrayList<>(keys);
    Collections.shuffle(order, new Random(seed));
    for (String k : order) {
      t = t.delete(k);
    }
    assertTrue(t.isEmpty());
    assertEquals(Mst.empty(BlockSource.EMPTY).rootCid(), t.rootCid());
  }
}
