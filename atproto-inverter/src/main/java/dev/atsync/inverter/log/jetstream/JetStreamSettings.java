package dev.atsync.inverter.log.jetstream;

import dev.atsync.inverter.log.Retention;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How a {@link JetStreamEventStore} reaches its NATS servers and shapes its stream. Every node
 * sharing one log uses the same stream name, subject prefix and replicas.
 *
 * @param natsUrls the NATS servers ({@code nats://host:port}); jnats fails over between them
 * @param streamName the JetStream stream
 * @param subjectPrefix the subject prefix; the stream takes {@code <prefix>.>}
 * @param replicas stream replicas (1 for one server, 3 for a cluster)
 * @param maxAge the backfill window by age, enforced by the server
 * @param maxEvents the backfill window by count, enforced by the server
 * @param duplicateWindow how long retried frames are recognised
 * @param seqFloor the first seq of a new, empty stream is at least this
 * @param connectTimeout connect and request timeout
 * @param recentWindow how many recent events each node keeps in memory for reads
 */
public record JetStreamSettings(List<String> natsUrls, String streamName, String subjectPrefix, int replicas,
    Optional<Duration> maxAge, OptionalLong maxEvents, Duration duplicateWindow, long seqFloor,
    Duration connectTimeout, int recentWindow) {
  /** Validates and copies. */
  public JetStreamSettings {
    natsUrls = List.copyOf(natsUrls);
    if (natsUrls.isEmpty()) {
      throw new IllegalArgumentException("at least one NATS url is needed");
    }
    Objects.requireNonNull(streamName, "streamName");
    Objects.requireNonNull(subjectPrefix, "subjectPrefix");
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(maxEvents, "maxEvents");
    Objects.requireNonNull(duplicateWindow, "duplicateWindow");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (!streamName.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException("stream name must be 1-64 of [A-Za-z0-9_-]: " + streamName);
    }
    if (!subjectPrefix.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*") || subjectPrefix.length() > 200) {
      throw new IllegalArgumentException("subject prefix must be dot-separated [A-Za-z0-9_-] tokens: "
          + subjectPrefix);
    }
    if (replicas < 1 || replicas > 5) {
      throw new IllegalArgumentException("replicas must be 1..5, got " + replicas);
    }
    if (maxAge.isPresent() && (maxAge.get().isNegative() || maxAge.get().isZero())) {
      throw new IllegalArgumentException("maxAge must be positive");
    }
    if (maxEvents.isPresent() && maxEvents.getAsLong() <= 0) {
      throw new IllegalArgumentException("maxEvents must be positive");
    }
    if (duplicateWindow.isNegative() || duplicateWindow.isZero()) {
      throw new IllegalArgumentException("duplicateWindow must be positive");
    }
    if (seqFloor < 1) {
      throw new IllegalArgumentException("seqFloor must be at least 1");
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive");
    }
    if (recentWindow < 1 || recentWindow > 10_000_000) {
      throw new IllegalArgumentException("recentWindow must be 1..10000000");
    }
  }

  /**
   * One server, stream {@code atsync}, prefix {@code atsync.events}, one replica, no window,
   * ten-minute duplicate window, floor 1, five-second timeout, 100,000 recent events.
   */
  public static JetStreamSettings of(String natsUrl) {
    return new JetStreamSettings(List.of(natsUrl), "atsync", "atsync.events", 1, Optional.empty(), OptionalLong.empty(),
        Duration.ofMinutes(10), 1, Duration.ofSeconds(5), 100_000);
  }

  /** A copy with other servers. */
  public JetStreamSettings withUrls(List<String> urls) {
    return new JetStreamSettings(urls, streamName, subjectPrefix, replicas,
        maxAge, maxEvents, duplicateWindow, seqFloor,
        connectTimeout, recentWindow);
  }

  /** A copy with another stream name and subject prefix. */
  public JetStreamSettings withStream(String name, String prefix) {
    return new JetStreamSettings(natsUrls, name, prefix, replicas, maxAge, maxEvents, duplicateWindow, seqFloor,
        connectTimeout, recentWindow);
  }

  /** A copy with another replica count. */
  public JetStreamSettings withReplicas(int r) {
    return new JetStreamSettings(natsUrls, streamName, subjectPrefix, r, maxAge, maxEvents, duplicateWindow, seqFloor,
        connectTimeout, recentWindow);
  }

  /** A copy with another seq floor. */
  public JetStreamSettings withSeqFloor(long floor) {
    return new JetStreamSettings(natsUrls, streamName, subjectPrefix, replicas,
        maxAge, maxEvents, duplicateWindow, floor,
        connectTimeout, recentWindow);
  }

  /** A copy with another backfill window. */
  public JetStreamSettings withRetention(Retention retention) {
    return new JetStreamSettings(natsUrls, streamName, subjectPrefix, replicas,
        retention.maxAge(), retention.maxEvents(),
        duplicateWindow, seqFloor, connectTimeout, recentWindow);
  }

  /** A copy keeping another number of recent events in memory. */
  public JetStreamSettings withRecentWindow(int n) {
    return new JetStreamSettings(natsUrls, streamName, subjectPrefix, replicas,
        maxAge, maxEvents, duplicateWindow, seqFloor,
        connectTimeout, n);
  }
}
