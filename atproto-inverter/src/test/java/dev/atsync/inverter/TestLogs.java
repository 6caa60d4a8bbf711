package dev.atsync.inverter;

import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.Retention;

/** Logs for the end-to-end tests. */
final class TestLogs {
  private TestLogs() {}

  static EventLog memory() {
    return EventLog.inMemory();
  }

  /** Prunes to the newest {@code n} events. */
  static void pruneTo(EventLog log, long n) {
    log.prune(Retention.ofEvents(n));
  }
}
