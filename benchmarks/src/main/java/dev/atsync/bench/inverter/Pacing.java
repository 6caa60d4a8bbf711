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
}
