package dev.atsync.firehose.subscribe;

import static org.junit.jupiter.api.Assertions.*;

import dev.atsync.cid.Cid;
import dev.atsync.firehose.CollectionFilter;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.CommitOp;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.IdentityEvent;
import dev.atsync.firehose.StreamError;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FirehoseSubscriberTest {
  static final int DIDS = 7;

  static Frame frame(long seq) {
    Did did = Did.parse("did:plc:" + "abcdefghijklmnopqrstuvw" + (char) ('a' + (seq % DIDS)));
    return Frame.of(new IdentityEvent(seq, did, Datetime.parse("2026-01-01T00:00:00.000Z"), Optional.empty()));
  }

  /** Test server: calls {@code onConnect(conn, cursor)} on a fresh thread per connection. */
  static final class Server extends WebSocketServer {
    final List<Long> cursors = new CopyOnWriteArrayList<>();
    final BiConsumer<WebSocket, Long> behaviour;

    Server(BiConsumer<WebSocket, Long> behaviour) {
      super(new InetSocketAddress("127.0.0.1", 0));
      this.behaviour = behaviour;
      setReuseAddr(true);
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake h) {
      String d = h.getResourceDescriptor();
      int i = d.indexOf("cursor=");
      long cursor = i < 0 ? -1 : Long.parseLong(d.substring(i + 7));
      cursors.add(cursor);
      new Thread(() -> behaviour.accept(conn, cursor)).start();
    }

    @Override
    public void onClose(WebSocket c, int code, String reason, boolean remote) {}

    @Override
    public void onMessage(WebSocket c, String m) {}

    @Override
    public void onError(WebSocket c, Exception ex) {}

    @Override
    public void onStart() {}

    URI uri() {
      return URI.create("ws://127.0.0.1:" + getPort() + "/xrpc/com.atproto.sync.subscribeRepos");
    }
  }

  final List<AutoCloseable> toClose = new ArrayList<>();

  Server start(BiConsumer<WebSocket, Long> behaviour) throws Exception {
    Server s = new Server(behaviour);
    s.start();
    for (int i = 0; i < 200 && s.getPort() == 0; i++) {
      Thread.sleep(10);
    }
    toClose.add(() -> s.stop(1000));
    return s;
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(toClose);
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  static void send(WebSocket conn, long from, long to) {
    for (long s = from; s <= to && conn.isOpen(); s++) {
      conn.send(frame(s).bytes());
    }
  }

  /** Records per-DID sequences and all seqs; counts down when {@code last} is processed. */
  static final class Recorder implements FrameHandler {
    final Map<Did, List<Long>> perDid = new ConcurrentHashMap<>();
    final List<Long> all = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Boolean> threads = new ConcurrentHashMap<>();
    final CountDownLatch done;
    final long last;

    Recorder(long last) {
      this.last = last;
      this.done = new CountDownLatch(1);
    }

    @Override
    public void handle(Frame f) {
      long seq = f.seq().getAsLong();
      perDid.computeIfAbsent(f.did().get(), d -> Collections.synchronizedList(new ArrayList<>())).add(seq);
      all.add(seq);
      threads.put(Thread.currentThread().getName(), true);
      if (all.size() >= last) { // lanes finish out of order: wait for every frame, not just the last seq
        done.countDown();
      }
    }

    void assertExactlyOnceInOrder(long n) {
      List<Long> sorted = new ArrayList<>(all);
      Collections.sort(sorted);
      assertEquals(n, sorted.size(), "no duplicates or gaps");
      for (int i = 0; i < n; i++) {
        assertEquals(i + 1, sorted.get(i));
      }
      for (List<Long> seqs : perDid.values()) {
        List<Long> copy = new ArrayList<>(seqs);
        List<Long> s = new ArrayList<>(copy);
        Collections.sort(s);
        assertEquals(s, copy, "in order within one DID");
      }
    }
  }

  FirehoseSubscriber subscriber(Server s, FrameHandler h, SubscriberListener l, long cursor) {
    FirehoseSubscriber.Builder b = FirehoseSubscriber.builder(s.uri()).handler(h).listener(l)
        .lanes(4).maxInFlight(64).backoff(Duration.ofMillis(20), Duration.ofMillis(200));
    if (cursor >= 0) {
      b.cursor(cursor);
    }
    FirehoseSubscriber sub = b.build();
    toClose.add(sub);
    sub.start();
    return sub;
  }

  @Test
  void deliversAllInOrderPerDidInParallel() throws Exception {
    Server s = start((c, cur) -> send(c, cur + 1, 3000));
    Recorder r = new Recorder(3000);
    FirehoseSubscriber sub = subscriber(s, r, new SubscriberListener() {}, 0);
    assertTrue(r.done.await(30, TimeUnit.SECONDS));
    r.assertExactlyOnceInOrder(3000);
    assertEquals(DIDS, r.perDid.size());
    assertTrue(r.threads.size() > 1, "work spread over several lanes: " + r.threads.keySet());
    for (int i = 0; i < 100 && sub.processedSeq() < 3000; i++) {
      Thread.sleep(10);
    }
    assertEquals(3000, sub.processedSeq());
    assertEquals(3000, sub.frames());
    assertEquals(List.of(0L), s.cursors);
  }

  @Test
  void resumesFromLastProcessedAfterDrop() throws Exception {
    AtomicInteger conns = new AtomicInteger();
    Server s = start((c, cur) -> {
      if (conns.incrementAndGet() == 1) {
        send(c, cur + 1, 500);
        try {
          Thread.sleep(500); // let the frames leave the send queue before the abrupt drop
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        c.closeConnection(1006, "dropped");
      } else {
        send(c, cur + 1, 1000);
      }
    });
    Recorder r = new Recorder(1000);
    FirehoseSubscriber sub = subscriber(s, r, new SubscriberListener() {}, 0);
    assertTrue(r.done.await(30, TimeUnit.SECONDS));
    r.assertExactlyOnceInOrder(1000);
    assertEquals(2, s.cursors.size());
    assertTrue(s.cursors.get(1) > 0 && s.cursors.get(1) <= 500, "resume cursor " + s.cursors);
    assertTrue(sub.reconnects() >= 1);
  }

  @Test
  void consumerTooSlowReconnectsFromCursor() throws Exception {
    AtomicInteger conns = new AtomicInteger();
    Server s = start((c, cur) -> {
      if (conns.incrementAndGet() == 1) {
        send(c, cur + 1, 200);
        c.send(Frame.ofError(StreamError.of("ConsumerTooSlow", "too slow")).bytes());
        c.close(1008, "ConsumerTooSlow");
      } else {
        send(c, cur + 1, 400);
      }
    });
    List<String> errors = new CopyOnWriteArrayList<>();
    Recorder r = new Recorder(400);
    subscriber(s, r, new SubscriberListener() {
      @Override
      public void onStreamError(StreamError e) {
        errors.add(e.error());
      }
    }, 0);
    assertTrue(r.done.await(30, TimeUnit.SECONDS));
    r.assertExactlyOnceInOrder(400);
    assertEquals(List.of("ConsumerTooSlow"), errors);
    assertEquals(200L, s.cursors.get(1));
  }

  @Test
  void futureCursorStops() throws Exception {
    Server s = start((c, cur) -> {
      c.send(Frame.ofError(StreamError.of("FutureCursor", "cursor in the future")).bytes());
      c.close(1008, "FutureCursor");
    });
    CountDownLatch got = new CountDownLatch(1);
    FirehoseSubscriber sub = subscriber(s, f -> fail("no frames expected"), new SubscriberListener() {
      @Override
      public void onStreamError(StreamError e) {
        if (e.error().equals("FutureCursor")) {
          got.countDown();
        }
      }
    }, 99999);
    assertTrue(got.await(10, TimeUnit.SECONDS));
    for (int i = 0; i < 100 && !sub.isStopped(); i++) {
      Thread.sleep(10);
    }
    assertTrue(sub.isStopped());
    Thread.sleep(300);
    assertEquals(1, s.cursors.size(), "no reconnect after FutureCursor with STOP");
  }

  @Test
  void backpressureBoundsClientQueueAndFillsServerBuffer() throws Exception {
    int n = 60_000;
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch serverSent = new CountDownLatch(1);
    AtomicInteger serverBuffered = new AtomicInteger();
    Server s = start((c, cur) -> {
      send(c, cur + 1, n);
      serverBuffered.set(c.hasBufferedData() ? 1 : 0);
      serverSent.countDown();
    });
    AtomicInteger maxDepth = new AtomicInteger();
    Recorder r = new Recorder(n);
    FirehoseSubscriber[] holder = new FirehoseSubscriber[1];
    FrameHandler slow = f -> {
      release.await();
      if (holder[0] != null) {
        maxDepth.accumulateAndGet(holder[0].queueDepth(), Math::max);
      }
      r.handle(f);
    };
    FirehoseSubscriber sub = FirehoseSubscriber.builder(s.uri()).handler(slow).lanes(2).maxInFlight(16).cursor(0).build();
    holder[0] = sub;
    toClose.add(sub);
    sub.start();
    assertTrue(serverSent.await(30, TimeUnit.SECONDS));
    assertEquals(1, serverBuffered.get(), "server send queue backed up while the client was blocked");
    assertTrue(sub.queueDepth() <= 16);
    release.countDown();
    assertTrue(r.done.await(60, TimeUnit.SECONDS));
    assertTrue(maxDepth.get() <= 16, "in-flight bound respected: " + maxDepth.get());
    r.assertExactlyOnceInOrder(n);
  }

  @Test
  void aSeqThatDoesNotIncreaseIsReportedNotDroppedSilently() throws Exception {
    Server s = start((c, cur) -> {
      send(c, 1, 10);
      send(c, 5, 7); // the server repeats itself
      send(c, 11, 12);
    });
    List<long[]> stale = new CopyOnWriteArrayList<>();
    Recorder r = new Recorder(12);
    subscriber(s, r, new SubscriberListener() {
      @Override
      public void onStaleSeq(Frame frame, long lastSeq) {
        stale.add(new long[] {frame.seq().getAsLong(), lastSeq});
      }
    }, 0);
    assertTrue(r.done.await(30, TimeUnit.SECONDS));
    r.assertExactlyOnceInOrder(12);
    assertEquals(List.of("5<=10", "6<=10", "7<=10"), stale.stream().map(x -> x[0] + "<=" + x[1]).toList());
  }

  @Test
  void theCursorCallbackSeesEachAdvanceInOrderAndRunBlocksUntilClosed() throws Exception {
    Server s = start((c, cur) -> send(c, cur + 1, 500));
    List<Long> cursors = new CopyOnWriteArrayList<>();
    Recorder r = new Recorder(500);
    FirehoseSubscriber sub = FirehoseSubscriber.builder(s.uri()).handler(r).lanes(4).cursor(0)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).onCursor(cursors::add).build();
    toClose.add(sub);
    Thread runner = new Thread(() -> {
      try {
        sub.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    runner.start();
    assertTrue(r.done.await(30, TimeUnit.SECONDS));
    for (int i = 0; i < 100 && (cursors.isEmpty() || cursors.get(cursors.size() - 1) < 500); i++) {
      Thread.sleep(10);
    }
    assertEquals(500L, cursors.get(cursors.size() - 1));
    for (int i = 1; i < cursors.size(); i++) {
      assertTrue(cursors.get(i) > cursors.get(i - 1), "increasing: " + cursors);
    }
    assertFalse(sub.awaitTermination(Duration.ofMillis(50)), "still running");
    assertTrue(runner.isAlive());
    sub.close();
    assertTrue(sub.awaitTermination(Duration.ofSeconds(5)));
    runner.join(5000);
    assertFalse(runner.isAlive(), "run() returned after close()");
  }

  @Test
  void futureCursorStopEndsTheWait() throws Exception {
    Server s = start((c, cur) -> {
      c.send(Frame.ofError(StreamError.of("FutureCursor", "cursor in the future")).bytes());
      c.close(1008, "FutureCursor");
    });
    FirehoseSubscriber sub = subscriber(s, f -> fail("no frames expected"), new SubscriberListener() {}, 99999);
    assertTrue(sub.awaitTermination(Duration.ofSeconds(10)));
    assertTrue(sub.isStopped());
  }

  static Frame commit(long seq, String... paths) {
    Cid cid = Cid.ofDagCbor(new byte[] {(byte) 0xa0});
    List<CommitOp> ops = new ArrayList<>();
    for (String p : paths) {
      ops.add(CommitOp.create(p, cid));
    }
    return new CommitEvent(seq, false, false, Did.parse("did:plc:abcdefghijklmnopqrstuvwx"), cid,
        Tid.of(1_750_000_000_000_000L + seq, 0), Optional.empty(), new byte[0], ops, List.of(), Optional.empty(),
        Datetime.parse("2026-01-01T00:00:00.000Z")).toFrame();
  }

  @Test
  void aCollectionFilterSkipsCommitsWithNoWantedOpButTheCursorMovesOn() throws Exception {
    Server s = start((c, cur) -> {
      c.send(commit(1, "app.bsky.feed.like/a").bytes());
      c.send(commit(2, "app.bsky.feed.post/a").bytes());
      c.send(commit(3, "app.bsky.graph.follow/a", "app.bsky.feed.like/b").bytes());
      c.send(frame(4).bytes()); // #identity always passes
      c.send(commit(5, "not a path").bytes()); // malformed: the handler sees it
      c.send(commit(6, "com.example.other/a").bytes());
    });
    List<Long> handled = new CopyOnWriteArrayList<>();
    List<Long> cursors = new CopyOnWriteArrayList<>();
    FirehoseSubscriber sub = FirehoseSubscriber.builder(s.uri()).lanes(1).cursor(0)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
        .collections(CollectionFilter.of("app.bsky.feed.post", "app.bsky.graph.*"))
        .handler(f -> handled.add(f.seq().getAsLong())).onCursor(cursors::add).build();
    toClose.add(sub);
    sub.start();
    for (int i = 0; i < 500 && (cursors.isEmpty() || cursors.get(cursors.size() - 1) < 6); i++) {
      Thread.sleep(10);
    }
    assertEquals(List.of(2L, 3L, 4L, 5L), handled);
    assertEquals(6L, cursors.get(cursors.size() - 1));
  }
}
