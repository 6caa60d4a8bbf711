package dev.atsync.inverter.log;

class InMemoryEventLogTest extends EventLogContract {
  @Override
  EventLog create(long floor) {
    return new InMemoryEventLog(floor);
  }
}
