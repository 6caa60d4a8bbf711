package dev.atsync.bench.inverter;

import dev.atsync.cid.Cid;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.CommitOp;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.subscribe.FirehoseSubscriber;
import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load driver for pull mode: an inverter following two upstream firehoses (each upstream another
 * inverter on 127.0.0.1 standing in for a PDS instance), storing into SQLite.
 *
 * <ul>
 *   <li><b>catch-up</b>: both upstreams hold 25,000 chained 1 KB commits (500 accounts each);
 *       the follower starts from their beginning; events/s until all 50,000 are durable.
 *   <li><b>live latency</b>: both upstreams receive 250 events/s each; the time from an event's
 *       publication on its upstream to its arrival at a relay subscribed to the follower, with
 *       the reorder wait at its default and at zero (commits arrive in order, so the wait should
 *       cost nothing: the check is one head lookup).
 * </ul>
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.atsync.bench.inverter.PullLoad</pre>
 */
public final class PullLoad {
  private static final AtomicLong CLOCK = new AtomicLong(1_760_000_000_000_000L);
  private static final int ACCOUNTS_PER_UPSTREAM = 500;

  private PullLoad() {}

  /** One account's chain: each commit names the previous one's rev as {@code since}. */
  static final class Account {
    final Did did;
    Tid last;

    Account(Did did) {
      this.did = did;
    }

    Frame next(int size) {
      Tid rev = Tid.of(CLOCK.incrementAndGet(), 0);
      Cid c = Cid.ofDagCbor((did + rev.toString()).getBytes(StandardCharsets.UTF_8));
      Frame f = new CommitEvent(0, false, false, did, c, rev, Optional.ofNullable(last), new byte[size],
          List.of(CommitOp.create("app.bsky.feed.post/" + rev, c)), List.of(), Optional.empty(),
          Datetime.parse("2026-12-01T00:00:00.000Z")).toFrame();
      last = rev;
      return f;
    }
  }

  static List<Account> accounts(int upstream) {
    List<Account> out = new ArrayList<>();
    for (int i = 0; i < ACCOUNTS_PER_UPSTREAM; i++) {
      out.add(new Account(Did.parse(InverterLoad.did(upstream * ACCOUNTS_PER_UPSTREAM + i + 1))));
    }
    return out;
  }

  static Inverter upstream() {
    return Inverter.builder().log(EventLog.inMemory()).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly().check(EventCheck.NONE).build().start();
  }

  static URI firehose(Inverter inv) {
    return URI.create("ws://127.0.0.1:" + inv.publicPort() + "/xrpc/com.atproto.sync.subscribeRepos");
  }

  static Inverter follower(EventLog log, Duration reorderWait, Inverter... upstreams) {
    Inverter.Builder b = Inverter.builder().log(log).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly().check(EventCheck.NONE).reorderWait(reorderWait);
    for (Inverter u : upstreams) {
      b.upstream(firehose(u));
    }
    return b.build().start();
  }

  public static void main(String[] args) throws Exception {
    System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " cpus");
    catchUp(25_000);
    for (Duration wait : new Duration[] {Duration.ofSeconds(3), Duration.ZERO}) {
      live(wait, 250, 10);
    }
    System.exit(0);
  }

  /** Fills two upstreams, then times a follower storing everything from their beginning. */
  static void catchUp(int perUpstream) throws Exception {
    try (Inverter a = upstream(); Inverter b = upstream()) {
      for (Inverter u : List.of(a, b)) {
        List<Account> accounts = accounts(u == a ? 0 : 1);
        for (int i = 0; i < perUpstream; i += 100) {
          List<Frame> batch = new ArrayList<>(100);
          for (int j = 0; j < 100; j++) {
            batch.add(accounts.get((i + j) % accounts.size()).next(900));
          }
          u.publish(batch);
        }
      }
      try (EventLog log = InverterLoad.log()) {
        long start = System.nanoTime();
        try (Inverter f = follower(log, Duration.ofSeconds(3), a, b)) {
          long want = 2L * perUpstream;
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          while (log.lastSeq() < want && System.nanoTime() < deadline) {
            Thread.sleep(2);
          }
          long took = System.nanoTime() - start;
          System.out.printf("pull catch-up, 2 upstreams x %,d 1 KB commits into SQLite: %,8d events/s (%,d stored)%n",
              perUpstream, log.lastSeq() * 1_000_000_000L / took, log.lastSeq());
        }
      }
    }
  }

  /** Publishes at {@code perSecond} on each upstream and records publication-to-relay latency. */
  static void live(Duration reorderWait, int perSecond, int seconds) throws Exception {
    Map<Tid, Long> published = new ConcurrentHashMap<>();
    long[] latencies = new long[2 * perSecond * seconds];
    AtomicLong received = new AtomicLong();
    try (Inverter a = upstream(); Inverter b = upstream(); EventLog log = InverterLoad.log();
        Inverter f = follower(log, reorderWait, a, b);
        FirehoseSubscriber relay = FirehoseSubscriber.builder(firehose(f)).cursor(0).lanes(1).handler(frame -> {
          long now = System.nanoTime();
          Long t = frame.rev().map(published::get).orElse(null);
          long i = received.getAndIncrement();
          if (t != null && i < latencies.length) {
            latencies[(int) i] = now - t;
          }
        }).build()) {
      relay.start();
      List<List<Account>> accounts = List.of(accounts(0), accounts(1));
      List<Inverter> ups = List.of(a, b);
      AtomicReference<Throwable> failed = new AtomicReference<>();
      List<Thread> publishers = new ArrayList<>();
      for (int u = 0; u < 2; u++) {
        int which = u;
        Thread t = new Thread(() -> {
          long interval = 1_000_000_000L / perSecond;
          long next = System.nanoTime();
          try {
            for (int i = 0; i < perSecond * seconds; i++) {
              Pacing.until(next);
              Frame frame = accounts.get(which).get(i % ACCOUNTS_PER_UPSTREAM).next(900);
              published.put(frame.rev().orElseThrow(), System.nanoTime());
              ups.get(which).publish(List.of(frame));
              next += interval;
            }
          } catch (RuntimeException e) {
            failed.set(e);
          }
        });
        publishers.add(t);
        t.start();
      }
      for (Thread t : publishers) {
        t.join();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (received.get() < latencies.length && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      if (failed.get() != null) {
        throw new IllegalStateException("publishing failed", failed.get());
      }
      int n = (int) Math.min(received.get(), latencies.length);
      long[] got = Arrays.copyOf(latencies, n);
      Arrays.sort(got);
      System.out.printf("pull live, 2 upstreams x %d events/s, reorder wait %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms"
              + " (%,d of %,d delivered)%n", perSecond, reorderWait, pct(got, 0.50), pct(got, 0.99),
          n == 0 ? 0.0 : got[n - 1] / 1e6, n, latencies.length);
    }
  }

  static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0.0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
  }
}
