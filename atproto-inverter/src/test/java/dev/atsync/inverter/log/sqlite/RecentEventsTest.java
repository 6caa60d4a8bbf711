package dev.atsync.inverter.log.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.syntax.Did;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The in-memory run of newest events against the store it stands in front of, modelled as a
 * sorted map of every event: whenever it answers a read, the answer is exactly what the store
 * would return; it declines (null) otherwise.
 */
class RecentEventsTest {
  private static final Did DID = Did.parse("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa");

  /** One step: commit a group of {@code size} events, read, prune, reload the file, or skip seqs. */
  record Step(int kind, int size, int offset) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 12),
        Arbitraries.integers().between(0, 30)).as(Step::new).list().ofMaxSize(300);
  }

  @Property(tries = 300)
  void answersOnlyWhatTheStoreHolds(@ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 1, max = 20) int capacity, @ForAll @IntRange(min = 1, max = 40) int maxFrames) {
    // every frame is 10 bytes: the byte bound holds maxFrames of them
    RecentEvents recent = new RecentEvents(capacity, maxFrames * 10L);
    TreeMap<Long, LoggedEvent> store = new TreeMap<>();
    long last = 0;
    recent.reset(last);
    int answered = 0;
    for (Step s : steps) {
      switch (s.kind()) {
        case 0, 1, 2, 3 -> {
          List<LoggedEvent> group = new ArrayList<>();
          for (int i = 0; i < s.size(); i++) {
            group.add(event(++last));
          }
          group.forEach(e -> store.put(e.seq(), e));
          recent.added(group);
        }
        case 4 -> { // the file reloaded (recovery): the run starts again at its end
          recent.reset(last);
        }
        case 5 -> { // seqs skipped by a commit that failed after writing (nothing added here)
          last += s.size() + 1;
          store.put(last, event(last));
        }
        case 6 -> { // pruning
          long through = store.isEmpty() ? 0 : store.firstKey() + s.size();
          store.headMap(through, true).clear();
          recent.prunedThrough(through);
        }
        default -> {
          long after = Math.max(0, last - s.offset());
          int max = 1 + s.size();
          List<LoggedEvent> got = recent.after(after, max, last);
          if (got != null) {
            answered++;
            assertEquals(new ArrayList<>(store.tailMap(after, false).values()).subList(0,
                Math.min(max, store.tailMap(after, false).size())), got, "after " + after + ", max " + max);
          }
        }
      }
    }
    if (steps.isEmpty()) {
      assertEquals(0, answered);
    }
  }

  @Test
  void aReadRightBehindTheEndIsAnsweredAndOneFurtherBackIsNot() {
    RecentEvents recent = new RecentEvents(4, 1 << 20);
    recent.reset(10);
    recent.added(List.of(event(11), event(12), event(13)));
    recent.added(List.of(event(14), event(15)));
    assertEquals(List.of(event(15)), recent.after(14, 10, 15));
    assertEquals(List.of(event(12), event(13)), recent.after(11, 2, 15));
    assertEquals(List.of(), recent.after(15, 10, 15));
    assertEquals(List.of(), recent.after(Long.MAX_VALUE, 10, 15));
    assertNull(recent.after(10, 10, 15), "seq 11 was dropped by the count bound");
    assertNull(recent.after(14, 10, 16), "the store is ahead of the run (a commit not added)");
  }

  @Test
  void aGroupThatDoesNotFollowOnStartsANewRun() {
    RecentEvents recent = new RecentEvents(16, 1 << 20);
    recent.reset(0);
    recent.added(List.of(event(1), event(2)));
    recent.added(List.of(event(5), event(6)));
    assertNull(recent.after(2, 10, 6), "seqs 3 and 4 are not held");
    assertEquals(List.of(event(6)), recent.after(5, 10, 6));
    assertEquals(List.of(event(5), event(6)), recent.after(4, 10, 6));
  }

  private static LoggedEvent event(long seq) {
    return new LoggedEvent(seq, DID, "#commit", new byte[10], seq * 7);
  }
}
