package dev.atsync.inverter.log.sqlite;

import dev.atsync.inverter.log.LoggedEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The newest committed events, in memory, so that a read right behind the end of the log is
 * answered without a query. The fan-out reads the events of every commit as soon as it is told of
 * it; on this machine a one-row query cost 30-45 us of its thread per commit, and its tail is on
 * the post-to-delivery path.
 *
 * <p>Holds one contiguous run of seqs, {@code [first, last]}, bounded by count and by bytes
 * (oldest dropped first). The committing thread adds each group after its commit; any break in
 * the run (a group that does not follow on, a reload of the file) starts a new run, so a read is
 * only ever answered from here when every event it asks for is here. Readers and the writer
 * synchronise on this object: one add per commit and one read per fan-out pass, so it is never
 * contended for long.
 */
final class RecentEvents {
  private final LoggedEvent[] ring;
  private final long maxBytes;
  /** The run held is {@code [first, last]}; empty when {@code first == last + 1}. */
  private long first = 1;
  private long last;
  private long bytes;

  RecentEvents(int capacity, long maxBytes) {
    this.ring = new LoggedEvent[capacity];
    this.maxBytes = maxBytes;
  }

  /** Forgets every event: the store's events now end at {@code lastSeq}. */
  synchronized void reset(long lastSeq) {
    Arrays.fill(ring, null);
    first = lastSeq + 1;
    last = lastSeq;
    bytes = 0;
  }

  /** Events just committed, in seq order; a group that does not follow on starts a new run. */
  synchronized void added(List<LoggedEvent> events) {
    for (LoggedEvent e : events) {
      if (e.seq() != last + 1) { // never keep a run with a gap
        reset(e.seq() - 1);
      }
      if (last - first + 1 == ring.length) {
        dropFirst(); // before the new event takes its slot
      }
      last = e.seq();
      ring[slot(last)] = e;
      bytes += e.frameLength();
      while (bytes > maxBytes && first < last) {
        dropFirst();
      }
    }
  }

  /** Events up to {@code seq} were deleted from the store (pruning). */
  synchronized void prunedThrough(long seq) {
    while (first <= last && first <= seq) {
      dropFirst();
    }
  }

  /**
   * At most {@code max} events after {@code afterSeq}, in order, if this holds all of them and
   * its run ends at {@code storeLast}, the store's last seq; otherwise {@code null} (read the
   * store).
   */
  synchronized List<LoggedEvent> after(long afterSeq, int max, long storeLast) {
    if (last != storeLast || afterSeq < first - 1) {
      return null;
    }
    int n = (int) Math.max(0, Math.min(max, last - afterSeq));
    List<LoggedEvent> out = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) { // counted, not compared: afterSeq + 1 may overflow
      out.add(ring[slot(afterSeq + i)]);
    }
    return out;
  }

  private void dropFirst() {
    int i = slot(first);
    bytes -= ring[i].frameLength();
    ring[i] = null;
    first++;
  }

  private int slot(long seq) {
    return (int) Math.floorMod(seq, (long) ring.length);
  }
}
