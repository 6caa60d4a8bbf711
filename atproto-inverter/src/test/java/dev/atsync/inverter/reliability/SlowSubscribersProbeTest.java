package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.RawPeer;
import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 15.6: with four stalled backfill subscribers, live readers' latency rose from p50 6 ms
 * to p99 103 ms (max 446 ms) until the stalled ones were dropped after 30 s, because the one
 * fan-out thread did every subscriber's log reads in line. Backfill now runs off the live path:
 * live latency with slow backfills must stay where it is without them.
 */
@Tag("reliability")
@Timeout(180)
class SlowSubscribersProbeTest extends Probes {
  private static final int STORED = 20_000;

  @TempDir
  Path tmp;

  /** A live subscriber that notes when each seq arrived. */
  static final class Clocked extends WebSocketClient {
    final Map<Long, Long> arrived = new ConcurrentHashMap<>();

    Clocked(int port) {
      super(URI.create("ws://127.0.0.1:" + port + PATH));
    }

    @Override
    public void onMessage(ByteBuffer bytes) {
      long now = System.nanoTime();
      byte[] b = new byte[bytes.remaining()];
      bytes.get(b);
      Frame.decode(b).seq().ifPresent(s -> arrived.put(s, now));
    }

    @Override
    public void onOpen(ServerHandshake h) {
    }

    @Override
    public void onMessage(String message) {
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
    }

    @Override
    public void onError(Exception ex) {
    }
  }

  /** Latencies (ms) of {@code n} posts, one every 20 ms, from just before the post to arrival at a live subscriber. */
  List<Double> liveLatencies(int n) throws Exception {
    Clocked live = new Clocked(inverter.publicPort());
    assertTrue(live.connectBlocking(10, TimeUnit.SECONDS));
    open.add(live::closeBlocking);
    Map<Long, Long> posted = new ConcurrentHashMap<>();
    String did = TestEvents.did(900_000);
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Answer a = post(ingestPort(), TestEvents.concat(List.of(TestEvents.commit(did, TestEvents.nextRev(), 2000))),
          Duration.ofSeconds(10));
      assertEquals(200, a.status(), a.body());
      posted.put(TestEvents.seqs(a.body()).get(0), t0);
      Thread.sleep(20);
    }
    assertTrue(eventually(10_000, () -> live.arrived.keySet().containsAll(posted.keySet())), "all arrived");
    List<Double> ms = new ArrayList<>();
    posted.forEach((seq, t0) -> ms.add((live.arrived.get(seq) - t0) / 1e6));
    Collections.sort(ms);
    return ms;
  }

  static double pct(List<Double> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  @Test
  void slowBackfillsDoNotSlowLiveSubscribers() throws Exception {
    Path dir = tmp.resolve("log");
    try (EventLog fill = EventLog.over(SqliteEventStore.open(dir, SqliteEventStore.Settings.DEFAULT
        .withRetention(Retention.FOREVER)))) {
      for (int b = 0; b < STORED / 500; b++) {
        List<LogEvent> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          String did = TestEvents.did(b * 500 + i);
          String rev = TestEvents.nextRev();
          batch.add(new LogEvent(Did.parse(did), Optional.of(Tid.parse(rev)), "#commit",
              TestEvents.commit(did, rev, 5000).bytes()));
        }
        fill.append(batch);
      }
    }
    start(EventLog.over(SqliteEventStore.open(dir, SqliteEventStore.Settings.DEFAULT.withRetention(
        Retention.FOREVER))), b -> b);
    liveLatencies(20); // warm-up
    List<Double> alone = liveLatencies(100);

    // four backfilling subscribers from cursor 0: two that read a few KiB now and then, never
    // keeping up, and two that read nothing at all (stalled, not yet at the write timeout)
    List<Thread> readers = new ArrayList<>();
    AtomicLong slowBytes = new AtomicLong();
    for (int i = 0; i < 4; i++) {
      boolean stalled = i >= 2;
      RawPeer p = track(RawPeer.connect(inverter.publicPort()));
      p.socket.setReceiveBufferSize(16 * 1024);
      assertEquals(101, p.handshake(PATH + "?cursor=0").status());
      if (stalled) {
        continue;
      }
      Thread t = new Thread(() -> {
        byte[] buf = new byte[4096];
        try {
          while (!Thread.currentThread().isInterrupted()) {
            int n = p.in.read(buf);
            if (n < 0) {
              return;
            }
            slowBytes.addAndGet(n);
            Thread.sleep(5);
          }
        } catch (IOException | InterruptedException e) {
          // closed
        }
      }, "slow-reader");
      t.setDaemon(true);
      t.start();
      readers.add(t);
    }
    Thread.sleep(500);
    List<Double> withSlow = liveLatencies(300);
    readers.forEach(Thread::interrupt);
    String figures = String.format("live latency alone p50 %.1f p99 %.1f max %.1f ms; with 2 slow and 2 stalled backfills"
        + " p50 %.1f p99 %.1f max %.1f ms (slow readers took %d KiB)", pct(alone, 0.5), pct(alone, 0.99),
        alone.get(alone.size() - 1), pct(withSlow, 0.5), pct(withSlow, 0.99), withSlow.get(withSlow.size() - 1),
        slowBytes.get() / 1024);
    System.out.println(figures);
    assertTrue(slowBytes.get() > 0, "the slow subscribers were being served");
    assertTrue(inverter.metricsText().contains("atsync_inverter_subscribers_dropped_total 0"),
        "nobody was dropped: " + figures);
    assertTrue(pct(withSlow, 0.99) < Math.max(50, 3 * pct(alone, 0.99)), figures);
    assertTrue(withSlow.get(withSlow.size() - 1) < 250, figures);
  }
}
