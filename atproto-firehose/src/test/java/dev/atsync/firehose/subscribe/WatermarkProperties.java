package dev.atsync.firehose.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class WatermarkProperties {
  /** After any completion order, the watermark is the largest seq whose predecessors are all done. */
  @Property
  void watermarkIsLargestCompletedPrefix(@ForAll @IntRange(min = 1, max = 200) int n, @ForAll long seed) {
    Random rnd = new Random(seed);
    List<Long> seqs = new ArrayList<>();
    long s = 10;
    for (int i = 0; i < n; i++) {
      s += 1 + rnd.nextInt(3);
      seqs.add(s);
    }
    Watermark w = new Watermark(10);
    seqs.forEach(w::dispatched);
    List<Long> order = new ArrayList<>(seqs);
    Collections.shuffle(order, rnd);
    TreeSet<Long> done = new TreeSet<>();
    for (long q : order) {
      w.completed(q);
      done.add(q);
      long expected = 10;
      for (long x : seqs) {
        if (!done.contains(x)) {
          break;
        }
        expected = x;
      }
      assertEquals(expected, w.processed());
    }
  }
}
