package dev.atsync.inverter.internal;

import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Post-to-delivery time: when each recent seq was acknowledged (the log reported it appended,
 * which on this node is when it became durable), and, each time the fan-out writes that seq to
 * a subscriber's socket, the time since then into a timer. A fixed ring of the newest
 * {@value #SLOTS} seqs: an event older than that (a backfill) is not timed, so memory is bounded
 * and the timer measures the live path only.
 */
final class DeliveryClock {
  static final int SLOTS = 1 << 16;
  private static final int MASK = SLOTS - 1;

  private final Timer timer;
  private final AtomicLongArray seqs = new AtomicLongArray(SLOTS);
  private final AtomicLongArray nanos = new AtomicLongArray(SLOTS);
  private long acknowledged;

  DeliveryClock(Timer timer) {
    this.timer = timer;
  }

  /** Seqs up to {@code seq} were stored before the fan-out started: they are not timed. */
  synchronized void startAt(long seq) {
    acknowledged = Math.max(acknowledged, seq);
  }

  /** Seqs up to {@code lastSeq} were acknowledged now (an append listener: every seq after the previous call). */
  synchronized void acknowledged(long lastSeq) {
    long now = System.nanoTime();
    long from = Math.max(acknowledged + 1, lastSeq - SLOTS + 1);
    for (long seq = from; seq <= lastSeq; seq++) {
      int i = (int) (seq & MASK);
      seqs.set(i, 0); // a reader that sees this slot mid-update finds no seq and times nothing
      nanos.set(i, now);
      seqs.set(i, seq);
    }
    acknowledged = Math.max(acknowledged, lastSeq);
  }

  /** {@code seq} was just written to a subscriber's socket. */
  void delivered(long seq) {
    int i = (int) (seq & MASK);
    if (seqs.get(i) != seq) {
      return;
    }
    long at = nanos.get(i);
    if (seqs.get(i) != seq) {
      return;
    }
    timer.record(Math.max(0, System.nanoTime() - at), TimeUnit.NANOSECONDS);
  }
}
