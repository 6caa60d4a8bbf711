package dev.atsync.inverter;

import dev.atsync.inverter.log.EventLog;
import java.net.InetSocketAddress;
import java.util.List;

/** The inverter the listener tests start: both listeners on 127.0.0.1, ephemeral ports, no checks. */
public final class TestInverters {
  /** The ingest token of {@link #loopback}. */
  public static final String TOKEN = "test-token-0123456789abcdef";

  private TestInverters() {}

  /**
   * A builder for an inverter over {@code log} with its public and ingest listeners on
   * 127.0.0.1 (ports chosen by the system), {@link #TOKEN} as its one ingest token, and no
   * event check (tests of the listeners post made-up commits).
   */
  public static Inverter.Builder loopback(EventLog log) {
    return Inverter.builder()
        .log(log)
        .publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .ingestAddress(new InetSocketAddress("127.0.0.1", 0))
        .ingestTokens(List.of(TOKEN))
        .check(EventCheck.NONE);
  }
}
