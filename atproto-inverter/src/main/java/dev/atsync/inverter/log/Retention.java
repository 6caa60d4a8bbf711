package dev.atsync.inverter.log;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The backfill window: events older than {@code maxAge} or beyond the newest {@code maxEvents}
 * are pruned. Either may be absent; both absent keeps everything.
 *
 * @param maxAge keep events younger than this
 * @param maxEvents keep at most this many of the newest events
 */
public record Retention(Optional<Duration> maxAge, OptionalLong maxEvents) {
  /** Keeps everything. */
  public static final Retention FOREVER = new Retention(Optional.empty(), OptionalLong.empty());

  /** Rejects Java nulls and non-positive bounds. */
  public Retention {
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(maxEvents, "maxEvents");
    if (maxAge.isPresent() && (maxAge.get().isNegative() || maxAge.get().isZero())) {
      throw new IllegalArgumentException("maxAge must be positive");
    }
    if (maxEvents.isPresent() && maxEvents.getAsLong() <= 0) {
      throw new IllegalArgumentException("maxEvents must be positive");
    }
  }

  /** A window by age. */
  public static Retention ofAge(Duration maxAge) {
    return new Retention(Optional.of(maxAge), OptionalLong.empty());
  }

  /** A window by count. */
  public static Retention ofEvents(long maxEvents) {
    return new Retention(Optional.empty(), OptionalLong.of(maxEvents));
  }
}
