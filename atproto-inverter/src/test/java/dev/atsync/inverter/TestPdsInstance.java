package dev.atsync.inverter;

import dev.atsync.firehose.StreamEvent;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.InMemoryEventStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One instance of a PDS for pull-mode tests: it emits the events its own writes produced on its
 * own {@code subscribeRepos} endpoint, optionally after a delay (a slow instance), with its own
 * seq counter. The endpoint is served by an in-process inverter that only this instance publishes
 * to (no reordering, no verification beyond structure), so it behaves as a PDS's firehose does:
 * backfill from a cursor, live events, {@code FutureCursor} for a cursor ahead of it.
 */
public final class TestPdsInstance implements AutoCloseable {
  private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-pds-delay");
    t.setDaemon(true);
    return t;
  });
  private final int port;
  private volatile Inverter firehose;
  private volatile Duration delay = Duration.ZERO;

  /** An instance whose first seq is {@code seqFloor}, on a free port. */
  public TestPdsInstance(long seqFloor) {
    this.firehose = start(0, seqFloor);
    this.port = firehose.publicPort();
  }

  private static Inverter start(int port, long seqFloor) {
    return Inverter.builder()
        .log(EventLog.over(new InMemoryEventStore(seqFloor)))
        .publicAddress(new InetSocketAddress("127.0.0.1", port))
        .inProcessIngestOnly()
        .check(EventCheck.NONE)
        .reorderWait(Duration.ZERO)
        .build()
        .start();
  }

  /** The instance's own firehose, as the inverter under test follows it. */
  public URI endpoint() {
    return URI.create("ws://127.0.0.1:" + port);
  }

  /** From now on, events reach the firehose this much later (a slow instance). */
  public void delay(Duration d) {
    this.delay = d;
  }

  /** Emits an event on this instance's firehose (after the delay, in emission order). */
  public void emit(StreamEvent event) {
    Duration d = delay;
    if (d.isZero()) {
      firehose.publish(event);
    } else {
      delayer.schedule(() -> firehose.publish(event), d.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The seq of the last event this instance emitted. */
  public long lastSeq() {
    // Prometheus values are floating point ("5.0", "1.23457E8")
    return (long) Double.parseDouble(firehose.metricsText().lines()
        .filter(l -> l.startsWith("atsync_inverter_last_seq ")).findFirst().orElseThrow().split(" ")[1]);
  }

  /**
   * Restarts the instance on the same port with an empty backfill and a counter starting again at
   * {@code seqFloor}, as a PDS does whose sequencer database was reset.
   */
  public void restartWithNewCounter(long seqFloor) {
    firehose.close();
    firehose = start(port, seqFloor);
  }

  @Override
  public void close() {
    delayer.shutdownNow();
    firehose.close();
  }
}
