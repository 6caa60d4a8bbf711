package dev.atsync.syntax;

import java.time.Clock;
import java.time.Instant;

/**
 * Generates strictly increasing TIDs from a wall clock, for repository revs. If the clock stands
 * still or goes backwards, the next TID is one microsecond after the last, so revs never repeat
 * or decrease within a process. Thread-safe.
 */
public final class TidClock {
  private final Clock clock;
  private final int clockId;
  private long last;

  /** A generator on the system clock with a random clock id. */
  public TidClock() {
    this(Clock.systemUTC(), new java.security.SecureRandom().nextInt(1024));
  }

  /**
   * @param clock the wall clock
   * @param clockId 0 to 1023, distinguishing generators that share a timestamp
   */
  public TidClock(Clock clock, int clockId) {
    if (clockId < 0 || clockId > 1023) {
      throw new IllegalArgumentException("clock id out of range: " + clockId);
    }
    this.clock = clock;
    this.clockId = clockId;
  }

  /** The next TID, strictly after every TID this generator returned before. */
  public synchronized Tid next() {
    Instant now = clock.instant();
    long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    last = Math.max(micros, last + 1);
    return Tid.of(last, clockId);
  }

  /** Makes the next TID later than {@code floor}, for example the repository's current rev. */
  public synchronized void advancePast(Tid floor) {
    last = Math.max(last, floor.timestampMicros());
  }
}
