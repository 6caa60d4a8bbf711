package dev.atsync.inverter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atsync.inverter.log.FrameDigest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The index against the plainest model of what it promises: a queue of (digest, seq, time) in
 * arrival order, bounded by count, where a lookup finds the newest entry for a digest.
 */
class DigestIndexTest {
  /** One step: add a digest (from a small set, so digests repeat), look one up, or expire. */
  record Step(int kind, int digest, int timeStep) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 40),
        Arbitraries.integers().between(0, 3)).as(Step::new).list().ofMaxSize(600);
  }

  @Property(tries = 300)
  void behavesLikeABoundedArrivalOrderedMap(@ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 1, max = 70) int capacity) {
    DigestIndex index = new DigestIndex(capacity);
    Deque<long[]> model = new ArrayDeque<>(); // {digest number, seq, at}
    long now = 0;
    long seq = 0;
    for (Step s : steps) {
      now += s.timeStep();
      if (s.kind() < 6) {
        seq++;
        index.add(digest(s.digest()), seq, now);
        model.addLast(new long[] {s.digest(), seq, now});
        if (model.size() > capacity) {
          model.removeFirst();
        }
      } else if (s.kind() < 9) {
        long notBefore = now - s.timeStep() * 3L;
        assertEquals(modelFind(model, s.digest(), notBefore), index.find(digest(s.digest()), notBefore),
            "digest " + s.digest() + " not before " + notBefore);
      } else {
        long notBefore = now - 5;
        index.expire(notBefore);
        model.removeIf(e -> e[2] < notBefore);
      }
      assertEquals(model.size(), index.size());
    }
    for (int d = 0; d <= 40; d++) {
      assertEquals(modelFind(model, d, Long.MIN_VALUE), index.find(digest(d), Long.MIN_VALUE), "digest " + d);
    }
  }

  private static long modelFind(Deque<long[]> model, int digest, long notBefore) {
    Map<Long, long[]> newest = new HashMap<>();
    for (long[] e : model) {
      newest.put(e[0], e);
    }
    long[] e = newest.get((long) digest);
    return e == null || e[2] < notBefore ? -1 : e[1];
  }

  @Test
  void growsToItsCapacityAndForgetsTheOldestBeyondIt() {
    DigestIndex index = new DigestIndex(5000);
    for (int i = 0; i < 12_000; i++) {
      index.add(digest(i), i + 1, i);
    }
    assertEquals(5000, index.size());
    assertEquals(-1, index.find(digest(6999), 0));
    assertEquals(7001, index.find(digest(7000), 0));
    assertEquals(12_000, index.find(digest(11_999), 0));
    index.expire(11_000);
    assertEquals(1000, index.size());
    assertEquals(-1, index.find(digest(10_999), 0));
    assertEquals(11_001, index.find(digest(11_000), 0));
    index.clear();
    assertEquals(0, index.size());
    assertEquals(-1, index.find(digest(11_999), 0));
  }

  @Test
  void refusesANonPositiveCapacity() {
    assertThrows(IllegalArgumentException.class, () -> new DigestIndex(0));
  }

  private static FrameDigest digest(int n) {
    return FrameDigest.of(("frame " + n).getBytes(StandardCharsets.UTF_8));
  }
}
