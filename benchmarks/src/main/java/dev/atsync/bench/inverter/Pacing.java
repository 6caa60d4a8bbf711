package dev.atsync.bench.inverter;

import java.util.concurrent.locks.LockSupport;

/**
 * Waits for a scheduled start without taking a core: parks until shortly before it, then spins
 * the last tens of microseconds. A spinning load driver would take one of this machine's two
 * cores from the server it measures; and {@code Thread.sleep(0, n)} cannot stand in, as on JDK 17
 * it sleeps a whole millisecond, which a driver that times from the schedule would count as
 * latency.
 */
final class Pacing {
  /** What parking overshoots by here (timer slack plus a wake-up); spun instead. */
  private static final long SPIN_NANOS = 80_000;

  private Pacing() {}

  /** Returns at {@code deadline} ({@link System#nanoTime()}), or at once if it has passed. */
  static void until(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      if (left > SPIN_NANOS + 20_000) {
        LockSupport.parkNanos(left - SPIN_NANOS);
      } else {
        Thread.onSpinWait();
      }
    }
  }

  /** Takes the events that came due together: indexes {@code [from, to)}, in schedule order. */
  interface Batch {
    void send(int from, int to) throws Exception;
  }

  /**
   * Sends {@code total} events scheduled {@code period} apart from {@code start}, on the calling
   * thread, as a coalescing client would: each call takes every event whose scheduled time has
   * passed, so a slow call is followed by one batch of what came due meanwhile. Time each event
   * from {@link #scheduled}, never from when the driver got to it, so a stall's wait is counted
   * for every event it held back.
   */
  static void inBatches(long start, long period, int total, Batch batch) throws Exception {
    int next = 0;
    while (next < total) {
      until(scheduled(start, period, next));
      long now = System.nanoTime();
      int to = next + 1;
      while (to < total && scheduled(start, period, to) <= now) {
        to++;
      }
      batch.send(next, to);
      next = to;
    }
  }

  /** When event {@code i} is due. */
  static long scheduled(long start, long period, int i) {
    return start + i * period;
  }
}
