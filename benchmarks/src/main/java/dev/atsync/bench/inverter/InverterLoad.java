package dev.atsync.bench.inverter;

import dev.atsync.cid.Cid;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.CommitOp;
import dev.atsync.firehose.Frame;
import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/**
 * Load driver for the inverter (a JMH harness fits badly around sockets and wall-clock latency):
 * durable ingest, delivery throughput with 1, 10 and 100 subscribers, post-to-delivery latency at
 * a fixed rate, and the heap cost of idle subscribers. Everything runs on 127.0.0.1.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.atsync.bench.inverter.InverterLoad</pre>
 */
public final class InverterLoad {
  private static final AtomicLong CLOCK = new AtomicLong(1_750_000_000_000_000L);

  private InverterLoad() {}

  static Frame frame(String did, int size) {
    Tid rev = Tid.of(CLOCK.incrementAndGet(), 0);
    Cid c = Cid.ofDagCbor((did + rev).getBytes(StandardCharsets.UTF_8));
    return new CommitEvent(0, false, false, Did.parse(did), c, rev, Optional.empty(), new byte[size], List.of(
        CommitOp.create("app.bsky.feed.post/" + rev, c)), List.of(), Optional.empty(),
        Datetime.parse("2026-11-23T07:00:00.000Z")).toFrame();
  }

  /** What concurrent posters appended: events, over how many seconds. */
  record Appended(long events, double seconds) {
    double perSecond() {
      return events / seconds;
    }
  }

  /**
   * {@code posters} threads, each appending the batches its own supplier ({@code batchesOf} of
   * the poster's index) gives, one after the other and each waiting for its answer, for
   * {@code nanos}; {@code posterEnds} runs on each thread as it stops. A failed append stops its
   * poster, and is thrown once all have stopped.
   */
  static Appended appendConcurrently(EventLog log, int posters, long nanos,
      IntFunction<Supplier<List<LogEvent>>> batchesOf, Runnable posterEnds) throws Exception {
    LongAdder done = new LongAdder();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    long start = System.nanoTime();
    long end = start + nanos;
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < posters; t++) {
      Supplier<List<LogEvent>> batches = batchesOf.apply(t);
      Thread th = new Thread(() -> {
        try {
          while (System.nanoTime() < end) {
            List<LogEvent> batch = batches.get();
            log.append(batch);
            done.add(batch.size());
          }
        } catch (RuntimeException e) {
          failed.compareAndSet(null, e);
        }
        posterEnds.run();
      });
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    if (failed.get() != null) {
      throw new java.io.IOException("an append failed", failed.get());
    }
    return new Appended(done.sum(), secs);
  }

  /** A distinct did:plc for every {@code i}: its 24-character identifier is {@code i} in base32. */
  static String did(int i) {
    char[] c = new char[24];
    Arrays.fill(c, 'a');
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    for (int p = 23, v = i; v > 0; p--, v >>>= 5) {
      c[p] = alphabet.charAt(v & 31);
    }
    return "did:plc:" + new String(c);
  }

  public static void main(String[] args) throws Exception {
    System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " cpus");
    durableIngest();
    for (int subs : new int[] {1, 10, 100}) {
      deliveries(subs);
    }
    latency();
    idleHeap();
    System.exit(0);
  }

  static EventLog log() throws Exception {
    Path dir = Files.createTempDirectory("atsync-load");
    return EventLog.over(SqliteEventStore.open(dir,
        SqliteEventStore.Settings.DEFAULT.withRetention(Retention.ofEvents(2_000_000))));
  }

  static LogEvent commit(String did, Frame f) {
    return new LogEvent(Did.parse(did), f.rev(), "#commit", f.bytes());
  }

  /** Single-event appends from 1, 4 and 16 threads for 5 s each: group commit at work. */
  static void durableIngest() throws Exception {
    for (int threads : new int[] {1, 4, 16, 64}) {
      try (EventLog log = log()) {
        LongAdder done = new LongAdder();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          String did = did(t);
          Thread th = new Thread(() -> {
            while (System.nanoTime() < end) {
              Frame f = frame(did, 900);
              log.append(List.of(commit(did, f)));
              done.increment();
            }
          });
          ts.add(th);
          th.start();
        }
        for (Thread th : ts) {
          th.join();
        }
        System.out.printf("durable ingest, %2d threads, 1 KB events, 1 per batch: %,8d events/s (%d group commits)%n",
            threads, done.sum() / 5, ((SqliteEventStore) log.store()).groupCommits());
      }
    }
    try (EventLog log = log()) {
      long start = System.nanoTime();
      int n = 0;
      while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
        List<LogEvent> batch = new ArrayList<>(100);
        for (int i = 0; i < 100; i++) {
          String did = did(i);
          Frame f = frame(did, 900);
          batch.add(commit(did, f));
        }
        log.append(batch);
        n += 100;
      }
      System.out.printf("durable ingest, 1 thread, batches of 100:            %,8d events/s%n",
          n * 1_000_000_000L / (System.nanoTime() - start));
    }
  }

  static Inverter inverter(EventLog log) {
    return Inverter.builder().log(log).publicAddress(new InetSocketAddress("127.0.0.1", 0)).inProcessIngestOnly()
        .check(EventCheck.NONE).build().start();
  }

  /** A subscriber that counts frames and records latencies from a send-time table. */
  static final class Counter extends WebSocketClient {
    final LongAdder frames = new LongAdder();
    final CountDownLatch opened = new CountDownLatch(1);
    final ConcurrentHashMap<Long, Long> sent;
    final long[] latencies;
    final AtomicLong recorded = new AtomicLong();

    Counter(int port, ConcurrentHashMap<Long, Long> sent, int capacity) {
      super(URI.create("ws://127.0.0.1:" + port + "/xrpc/com.atproto.sync.subscribeRepos"));
      this.sent = sent;
      this.latencies = new long[capacity];
    }

    @Override
    public void onOpen(ServerHandshake h) {
      opened.countDown();
    }

    @Override
    public void onMessage(String m) {}

    @Override
    public void onMessage(ByteBuffer b) {
      long now = System.nanoTime();
      frames.increment();
      if (sent != null) {
        Frame f = Frame.decode(toArray(b));
        Long t = sent.get(f.seq().getAsLong());
        long i = recorded.getAndIncrement();
        if (t != null && i < latencies.length) {
          latencies[(int) i] = now - t;
        }
      }
    }

    static byte[] toArray(ByteBuffer b) {
      byte[] a = new byte[b.remaining()];
      b.get(a);
      return a;
    }

    @Override
    public void onClose(int c, String r, boolean remote) {}

    @Override
    public void onError(Exception e) {}
  }

  /** Publishes 20,000 1 KB events in batches of 100 and waits until every subscriber has them all. */
  static void deliveries(int subs) throws Exception {
    try (Inverter inv = inverter(log())) {
      List<Counter> clients = new ArrayList<>();
      for (int i = 0; i < subs; i++) {
        Counter c = new Counter(inv.publicPort(), null, 0);
        c.connectBlocking();
        clients.add(c);
      }
      int events = 20_000;
      long start = System.nanoTime();
      for (int b = 0; b < events / 100; b++) {
        List<Frame> batch = new ArrayList<>(100);
        for (int i = 0; i < 100; i++) {
          batch.add(frame(did(i), 900));
        }
        inv.publish(batch);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      for (Counter c : clients) {
        while (c.frames.sum() < events && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
      }
      double secs = (System.nanoTime() - start) / 1e9;
      long delivered = clients.stream().mapToLong(c -> c.frames.sum()).sum();
      System.out.printf("deliveries, %3d subscribers, 20,000 x 1 KB events:     %,10.0f deliveries/s (%.2f s)%n",
          subs, delivered / secs, secs);
      for (Counter c : clients) {
        c.closeBlocking();
      }
    }
  }

  /** 1,000 events/s for 10 s (after 2 s of warm-up) to 10 subscribers; latency from publish call to receipt. */
  static void latency() throws Exception {
    ConcurrentHashMap<Long, Long> sent = new ConcurrentHashMap<>();
    try (Inverter inv = inverter(log())) {
      List<Counter> clients = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Counter c = new Counter(inv.publicPort(), sent, 20_000);
        c.connectBlocking();
        clients.add(c);
      }
      long period = TimeUnit.MILLISECONDS.toNanos(1);
      long next = System.nanoTime();
      int total = 12_000;
      for (int i = 0; i < total; i++) {
        Pacing.until(next);
        next += period;
        Frame f = frame(did(i % 50), 900);
        long t = System.nanoTime();
        long seq = inv.publish(List.of(f)).get(0);
        sent.put(seq, t);
      }
      Thread.sleep(2000);
      List<Long> all = new ArrayList<>();
      for (Counter c : clients) {
        int n = (int) Math.min(c.recorded.get(), c.latencies.length);
        for (int i = 2000; i < n; i++) {
          if (c.latencies[i] > 0) {
            all.add(c.latencies[i]);
          }
        }
      }
      long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
      System.out.printf("latency at 1,000 events/s, 10 subscribers (%,d samples): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          sorted.length, sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6,
          sorted[sorted.length - 1] / 1e6);
      for (Counter c : clients) {
        c.closeBlocking();
      }
    }
  }

  /** Heap after GC with 100 idle subscribers connected (raw sockets, so the clients cost ~nothing here). */
  static void idleHeap() throws Exception {
    try (Inverter inv = inverter(log())) {
      long before = usedAfterGc();
      List<Socket> sockets = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", inv.publicPort()));
        OutputStream out = s.getOutputStream();
        out.write(("GET /xrpc/com.atproto.sync.subscribeRepos HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        sockets.add(s);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (inv.subscriberCount() < 100 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long after = usedAfterGc();
      System.out.printf("100 idle subscribers: %d connected, heap %+.1f MB (%.1f KB each)%n", inv.subscriberCount(),
          (after - before) / 1e6, (after - before) / 100 / 1e3);
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}
