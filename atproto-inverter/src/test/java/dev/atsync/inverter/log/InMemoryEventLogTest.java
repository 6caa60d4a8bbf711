package dev.atsync.inverter.log;

import java.time.Clock;
import java.time.Duration;

class InMemoryEventLogTest extends EventLogContract {
  @Override
  EventLog create(long floor) {
    return new InMemoryEventLog(floor);
  }

  @Override
  EventLog create(Clock clock) {
    return new InMemoryEventLog(1, Duration.ofMinutes(10), 1_000_000, clock);
  }
}
