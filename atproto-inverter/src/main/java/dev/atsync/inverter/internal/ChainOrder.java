package dev.atsync.inverter.internal;

import dev.atsync.inverter.log.EventLog;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each account's chain in order when its commits arrive from several PDS instances (posted
 * or pulled) in either order. A {@code #commit} whose {@code since} is ahead of the account's
 * current rev has a predecessor still in flight from another instance: it is held until the log's
 * current rev reaches {@code since} (woken by every append, on this node or another one sharing
 * the log), so relays see an unbroken chain. A predecessor that does not arrive within the wait
 * is given up on: the commit goes on, and a chain gap is counted (relays will resynchronise the
 * account). When nothing is out of order nothing waits: the check is one head lookup.
 */
final class ChainOrder {
  private static final Logger LOG = LoggerFactory.getLogger(ChainOrder.class);
  /** Longest single sleep between checks (another node's append reaches this one's listeners late). */
  private static final long RECHECK_MILLIS = 50;

  private final EventLog log;
  private final Duration maxWait;
  private final Object changed = new Object();
  /** Appends seen so far; read before a check, so an append between the check and the wait is not missed. */
  private long appends;
  private final LongAdder held;
  private final LongAdder gaps;

  ChainOrder(EventLog log, Duration maxWait, Metrics metrics) {
    this.log = log;
    this.maxWait = maxWait;
    this.held = metrics.counter("atsync_inverter_commits_held_total",
        "Commits held until their predecessor (from another PDS instance) was stored");
    this.gaps = metrics.counter("atsync_inverter_chain_gaps_total",
        "Commits released without their predecessor after the reorder wait");
    log.addAppendListener(seq -> wake());
  }

  private void wake() {
    synchronized (changed) {
      appends++;
      changed.notifyAll();
    }
  }

  private long appendsSeen() {
    synchronized (changed) {
      return appends;
    }
  }

  /**
   * Waits, up to the reorder wait in all, until each account's predecessor is stored: for every
   * entry, the account's current rev must have reached {@code since}.
   *
   * @param sinceByAccount the {@code since} of each account's first commit in a batch
   * @return how many accounts were released without their predecessor
   */
  int awaitPredecessors(Map<Did, Tid> sinceByAccount) {
    if (sinceByAccount.isEmpty()) {
      return 0;
    }
    long deadline = System.nanoTime() + maxWait.toNanos();
    int released = 0;
    for (Map.Entry<Did, Tid> e : sinceByAccount.entrySet()) {
      if (!awaitOne(e.getKey(), e.getValue(), deadline)) {
        released++;
      }
    }
    return released;
  }

  /** True when the predecessor is there (or need not be waited for); false when the wait ran out. */
  private boolean awaitOne(Did did, Tid since, long deadline) {
    boolean counted = false;
    while (true) {
      long seen = appendsSeen();
      Optional<Tid> current = log.currentRev(did);
      if (current.isEmpty() || since.compareTo(current.get()) <= 0) {
        // no chain known here, the predecessor is stored, or the commit is behind (the rev rule decides)
        return true;
      }
      if (!counted) {
        counted = true;
        held.increment();
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        gaps.increment();
        LOG.info("{}: a commit after rev {} waited {} ms for it and goes on without it (the account's current rev"
            + " is {}); relays will see a chain gap", did, since, maxWait.toMillis(), current.get());
        return false;
      }
      synchronized (changed) {
        try {
          if (appends == seen) {
            changed.wait(Math.max(1, Math.min(RECHECK_MILLIS, left / 1_000_000)));
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }
}
