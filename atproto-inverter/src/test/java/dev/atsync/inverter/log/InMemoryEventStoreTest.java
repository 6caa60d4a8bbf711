package dev.atsync.inverter.log;

import java.time.Clock;
import java.time.Duration;

class InMemoryEventStoreTest extends EventLogContract {
  @Override
  protected EventStore createStore(long floor) {
    return new InMemoryEventStore(floor);
  }

  @Override
  protected EventStore createStore(Clock clock) {
    return new InMemoryEventStore(1, Duration.ofMinutes(10), 1_000_000, clock);
  }
}
