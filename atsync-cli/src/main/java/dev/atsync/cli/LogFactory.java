package dev.atsync.cli;

import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.InMemoryEventStore;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.jetstream.JetStreamEventStore;
import dev.atsync.inverter.log.jetstream.JetStreamSettings;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Opens the event log the standalone server's {@code --log} option names. */
final class LogFactory {
  private LogFactory() {}

  static EventLog open(String kind, Map<String, List<String>> opts, Path dataDir) {
    long floor = InverterMain.number(opts, "seq-floor");
    if (floor < 1) {
      throw new IllegalArgumentException("--seq-floor must be at least 1");
    }
    long hours = InverterMain.number(opts, "retention-hours");
    long count = InverterMain.number(opts, "retention-events");
    Retention retention = new Retention(hours > 0 ? Optional.of(Duration.ofHours(hours)) : Optional.empty(),
        count > 0 ? OptionalLong.of(count) : OptionalLong.empty());
    switch (kind) {
      case "sqlite":
        return EventLog.over(SqliteEventStore.open(dataDir, new SqliteEventStore.Settings(floor, retention,
            Duration.ofMinutes(10), Duration.ofSeconds(10))));
      case "memory":
        return EventLog.over(new InMemoryEventStore(floor));
      case "jetstream":
        return EventLog.over(JetStreamEventStore.connect(new JetStreamSettings(opts.get("nats-url"),
            InverterMain.one(opts, "nats-stream"), InverterMain.one(opts, "nats-subject"),
            (int) InverterMain.number(opts, "nats-replicas"), retention.maxAge(), retention.maxEvents(),
            Duration.ofMinutes(InverterMain.number(opts, "nats-dedup-minutes")), floor, Duration.ofSeconds(5),
            100_000)));
      default:
        throw new IllegalArgumentException("--log must be sqlite, jetstream or memory, got '" + kind + "'");
    }
  }
}
