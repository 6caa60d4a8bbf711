package dev.atsync.relay;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * Exponential backoff with full jitter: attempt {@code n} (1-based) waits a uniform random time in
 * {@code [0, min(maxDelay, baseDelay * 2^(n-1))]}, unless the server sent {@code Retry-After} or
 * {@code RateLimit-Reset}, in which case that value (capped at {@code maxDelay}) is used.
 *
 * @param maxAttempts total attempts including the first, at least 1
 * @param baseDelay first backoff ceiling
 * @param maxDelay cap on every single wait
 * @param sleeper how waits happen; tests inject a recording sleeper
 * @param random source of jitter in [0,1)
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Sleeper sleeper, DoubleSupplier random) {

  /** Blocks the calling thread for a duration; injectable so tests never sleep for real. */
  @FunctionalInterface
  public interface Sleeper {
    /** Waits {@code d}. */
    void sleep(Duration d) throws InterruptedException;
  }

  /** Validates the components. */
  public RetryPolicy {
    if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1");
    Objects.requireNonNull(baseDelay, "baseDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    Objects.requireNonNull(sleeper, "sleeper");
    Objects.requireNonNull(random, "random");
    if (baseDelay.isNegative() || maxDelay.isNegative()) throw new IllegalArgumentException("negative delay");
  }

  /** 5 attempts, 500 ms base, 30 s cap, real sleeping. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(30),
        d -> Thread.sleep(d.toMillis()), () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Same policy with another sleeper. */
  public RetryPolicy withSleeper(Sleeper s) { return new RetryPolicy(maxAttempts, baseDelay, maxDelay, s, random); }

  /** Same policy with another attempt limit. */
  public RetryPolicy withMaxAttempts(int n) { return new RetryPolicy(n, baseDelay, maxDelay, sleeper, random); }

  /** Delay before retry number {@code attempt} (1 = after the first failure). */
  public Duration backoff(int attempt, Duration serverHint) {
    if (serverHint != null) return serverHint.compareTo(maxDelay) > 0 ? maxDelay : serverHint;
    long ceil = baseDelay.toMillis() << Math.min(attempt - 1, 30);
    if (ceil < 0 || ceil > maxDelay.toMillis()) ceil = maxDelay.toMillis();
    return Duration.ofMillis((long) (random.getAsDouble() * ceil));
  }

  /**
   * The wait the server asked for: {@code Retry-After} (seconds or HTTP date), else
   * {@code RateLimit-Reset} (epoch seconds, as the Bluesky PDS sends it, or delta seconds when small).
   */
  public static Optional<Duration> serverHint(HttpHeaders headers, Instant now) {
    return serverHint(headers::firstValue, now);
  }

  /**
   * The same, for any HTTP stack: {@code header} gives the first value of a header by its
   * (case-insensitive) name.
   */
  public static Optional<Duration> serverHint(Function<String, Optional<String>> header, Instant now) {
    Optional<String> ra = header.apply("retry-after");
    if (ra.isPresent()) {
      String v = ra.get().trim();
      try {
        return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
      } catch (NumberFormatException e) {
        try {
          Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
          Duration d = Duration.between(now, at);
          return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (RuntimeException ignored) {
          return Optional.empty();
        }
      }
    }
    Optional<String> reset = header.apply("ratelimit-reset");
    if (reset.isPresent()) {
      try {
        long v = Long.parseLong(reset.get().trim());
        // Values above one billion are absolute epoch seconds; small values are deltas.
        long secs = v > 1_000_000_000L ? v - now.getEpochSecond() : v;
        return Optional.of(Duration.ofSeconds(Math.max(0, secs)));
      } catch (NumberFormatException ignored) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
