package dev.atsync.inverter;

import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.InMemoryEventLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Opens the event log the standalone server's {@code --log} option names. */
final class LogFactory {
  private LogFactory() {}

  static EventLog open(String kind, Map<String, List<String>> opts, Path dataDir) {
    long floor = InverterMain.number(opts, "seq-floor");
    switch (kind) {
      case "memory":
        return new InMemoryEventLog(floor);
      default:
        throw new IllegalArgumentException("--log must be sqlite or memory, got '" + kind + "'");
    }
  }
}
