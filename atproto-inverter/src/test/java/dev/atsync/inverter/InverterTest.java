package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InfoEvent;
import dev.atsync.firehose.StreamError;
import dev.atsync.inverter.log.EventLog;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** End-to-end over real sockets on 127.0.0.1: HTTP ingest in, WebSocket subscribers out. */
class InverterTest {
  static final String TOKEN = TestInverters.TOKEN;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  Inverter inverter;
  EventLog log;
  final List<TestSubscriber> subscribers = new ArrayList<>();

  Inverter start(UnaryOperator<Inverter.Builder> config) {
    log = TestLogs.memory();
    inverter = config.apply(TestInverters.loopback(log))
        .build()
        .start();
    return inverter;
  }

  TestSubscriber subscribe(Long cursor) throws InterruptedException {
    TestSubscriber s = TestSubscriber.connect(inverter.publicPort(), cursor);
    subscribers.add(s);
    return s;
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (TestSubscriber s : subscribers) {
      s.closeBlocking();
    }
    if (inverter != null) {
      inverter.close();
    }
  }

  record Response(int status, String body) {}

  Response post(byte[] body, String token) throws Exception {
    return post(body, token, "application/vnd.ipld.dag-cbor");
  }

  Response post(byte[] body, String token, String contentType) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inverter.ingestPort().orElseThrow()
        + "/events")).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.body());
  }

  Response post(List<Frame> frames) throws Exception {
    return post(TestEvents.concat(frames), TOKEN);
  }


  /** Posts {@code n} single-commit batches for one account; returns the acknowledged seqs. */
  List<Long> postCommits(String did, int n) throws Exception {
    List<Long> acked = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Response r = post(List.of(TestEvents.commit(did, TestEvents.nextRev())));
      assertEquals(200, r.status(), r.body());
      acked.addAll(TestEvents.seqs(r.body()));
    }
    return acked;
  }

  static void assertStrictlyIncreasing(List<Long> seqs) {
    for (int i = 1; i < seqs.size(); i++) {
      assertTrue(seqs.get(i) > seqs.get(i - 1), "seq " + seqs.get(i) + " after " + seqs.get(i - 1));
    }
  }

  @Test
  void twoConcurrentPdsInstancesReachEverySubscriberInOneOrder() throws Exception {
    start(b -> b);
    List<TestSubscriber> subs = List.of(subscribe(null), subscribe(null), subscribe(null));
    List<Long> acked = new CopyOnWriteArrayList<>();
    List<Thread> posters = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    for (int instance = 0; instance < 2; instance++) {
      int id = instance;
      Thread t = new Thread(() -> {
        try {
          // each instance hosts different accounts; several accounts per instance
          for (int round = 0; round < 25; round++) {
            for (int a = 0; a < 4; a++) {
              acked.addAll(postCommits(TestEvents.did(id * 100 + a), 1));
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      posters.add(t);
      t.start();
    }
    for (Thread t : posters) {
      t.join();
    }
    assertEquals(List.of(), failures);
    assertEquals(200, acked.size());
    List<Long> sorted = new ArrayList<>(acked);
    Collections.sort(sorted);
    List<Frame> reference = null;
    for (TestSubscriber s : subs) {
      List<Frame> got = s.await(200, 20);
      assertEquals(200, got.size());
      List<Long> seqs = s.seqs();
      assertStrictlyIncreasing(seqs);
      assertEquals(sorted, seqs, "every acknowledged seq, in order");
      if (reference == null) {
        reference = got;
      } else {
        assertEquals(reference, got, "all subscribers see identical bytes");
      }
    }
    // every account's commits arrive in rev order
    for (int a : new int[] {0, 1, 2, 3, 100, 101, 102, 103}) {
      String did = TestEvents.did(a);
      List<String> revs = reference.stream().filter(f -> f.did().orElseThrow().value().equals(did))
          .map(f -> f.rev().orElseThrow().value()).toList();
      assertEquals(25, revs.size());
      List<String> ordered = new ArrayList<>(revs);
      Collections.sort(ordered);
      assertEquals(ordered, revs);
    }
  }

  @Test
  void replaysFromCursorThenGoesLive() throws Exception {
    start(b -> b);
    List<Long> first = postCommits(TestEvents.did(1), 10);
    TestSubscriber fromZero = subscribe(0L);
    TestSubscriber fromMiddle = subscribe(first.get(4));
    TestSubscriber live = subscribe(null);
    fromZero.await(10, 10);
    fromMiddle.await(5, 10);
    List<Long> second = postCommits(TestEvents.did(1), 5);
    List<Long> all = new ArrayList<>(first);
    all.addAll(second);
    fromZero.await(15, 10);
    fromMiddle.await(10, 10);
    live.await(5, 10);
    Thread.sleep(100);
    assertEquals(all, fromZero.seqs());
    assertEquals(all.subList(5, 15), fromMiddle.seqs());
    assertEquals(second, live.seqs());
  }

  @Test
  void cutOverUnderConcurrentPostsHasNoGapOrDuplicate() throws Exception {
    start(b -> b.recentFrames(16));
    List<Long> acked = new CopyOnWriteArrayList<>(postCommits(TestEvents.did(7), 50));
    Thread poster = new Thread(() -> {
      try {
        acked.addAll(postCommits(TestEvents.did(8), 150));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    poster.start();
    // joins while events keep arriving: replay from the log, then from memory, then live
    List<TestSubscriber> late = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      late.add(subscribe(acked.get(i * 7)));
      Thread.sleep(20);
    }
    poster.join();
    List<Long> all = new ArrayList<>(acked);
    Collections.sort(all);
    for (int i = 0; i < late.size(); i++) {
      long cursor = acked.get(i * 7);
      List<Long> expected = all.stream().filter(s -> s > cursor).toList();
      TestSubscriber s = late.get(i);
      s.await(expected.size(), 20);
      Thread.sleep(50);
      assertEquals(expected, s.seqs(), "subscriber from cursor " + cursor);
    }
  }

  @Test
  void futureCursorGetsAnErrorFrameAndClose() throws Exception {
    start(b -> b);
    postCommits(TestEvents.did(1), 3);
    // the server answers and closes at once, so the client may see the close before connect returns
    TestSubscriber s = new TestSubscriber(inverter.publicPort(), 1000L);
    s.connectBlocking(10, TimeUnit.SECONDS);
    assertTrue(s.closed.await(10, TimeUnit.SECONDS));
    Frame f = s.await(1, 5).get(0);
    assertTrue(f.isError());
    assertEquals(StreamError.FUTURE_CURSOR, f.error().error());
  }

  @Test
  void futureCursorCanBeServedLive() throws Exception {
    start(b -> b.futureCursorLive(true));
    postCommits(TestEvents.did(1), 3);
    TestSubscriber s = subscribe(1000L);
    List<Long> next = postCommits(TestEvents.did(1), 2);
    s.await(2, 10);
    assertEquals(next, s.seqs());
  }

  @Test
  void outdatedCursorGetsInfoThenReplaysFromOldest() throws Exception {
    start(b -> b);
    List<Long> seqs = postCommits(TestEvents.did(1), 10);
    TestLogs.pruneTo(log, 4);
    long oldest = log.oldestSeq();
    assertEquals(seqs.get(6), oldest);
    TestSubscriber s = subscribe(seqs.get(0));
    List<Frame> got = s.await(5, 10);
    InfoEvent info = (InfoEvent) got.get(0).event();
    assertEquals(InfoEvent.OUTDATED_CURSOR, info.name());
    assertEquals(seqs.subList(6, 10), s.seqs());
  }

  @Test
  void stalledSubscriberIsDroppedWithoutSlowingOthers() throws Exception {
    start(b -> b.maxQueuedBytes(64 * 1024).writeTimeout(Duration.ofMillis(500)));
    TestSubscriber healthy = subscribe(null);
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new InetSocketAddress("127.0.0.1", inverter.publicPort()));
      OutputStream out = stalled.getOutputStream();
      out.write(("GET /xrpc/com.atproto.sync.subscribeRepos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (inverter.subscriberCount() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(2, inverter.subscriberCount());
      // ~40 MB of events: far more than the stalled peer's socket buffers can hold
      String did = TestEvents.did(3);
      List<Long> acked = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Response r = post(List.of(TestEvents.commit(did, TestEvents.nextRev(), 200_000)));
        assertEquals(200, r.status(), r.body());
        acked.addAll(TestEvents.seqs(r.body()));
      }
      healthy.await(200, 30);
      assertEquals(acked, healthy.seqs());
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (inverter.subscriberCount() > 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1, inverter.subscriberCount(), "the stalled subscriber was dropped");
      assertTrue(inverter.metricsText().contains("atsync_inverter_subscribers_dropped_total 1"));
      InputStream in = stalled.getInputStream();
      assertTrue(in.read() >= 0, "the stalled peer got the handshake at least");
    }
  }

  @Test
  void laggingSubscriberIsDroppedWithConsumerTooSlow() throws Exception {
    start(b -> b.slowConsumer(5, Duration.ofMillis(200)).maxQueuedBytes(1));
    postCommits(TestEvents.did(4), 40);
    TestSubscriber s = subscribe(0L);
    // the subscriber reads normally but the one-byte queue budget keeps it behind
    assertTrue(s.closed.await(20, TimeUnit.SECONDS) || !s.isOpen(), "dropped");
    List<Frame> got = new ArrayList<>(s.frames);
    Frame last = got.get(got.size() - 1);
    if (last.isError()) {
      assertEquals(StreamError.CONSUMER_TOO_SLOW, last.error().error());
    }
    assertTrue(inverter.metricsText().contains("atsync_inverter_subscribers_dropped_total 1"));
  }

  @Test
  void refusesBadTokensAndStoresNothing() throws Exception {
    start(b -> b);
    byte[] body = TestEvents.concat(List.of(TestEvents.commit(TestEvents.did(1), TestEvents.nextRev())));
    long before = log.lastSeq();
    Response missing = post(body, null);
    assertEquals(401, missing.status());
    assertTrue(missing.body().contains("AuthenticationRequired"), missing.body());
    Response wrong = post(body, "wrong-token-0123456789abcdef");
    assertEquals(401, wrong.status());
    assertTrue(wrong.body().contains("InvalidToken"), wrong.body());
    assertFalse(wrong.body().contains(TOKEN));
    assertEquals(before, log.lastSeq());
  }

  @Test
  void acceptsOnlyTheDocumentedContentType() throws Exception {
    start(b -> b);
    byte[] body = TestEvents.concat(List.of(TestEvents.commit(TestEvents.did(2), TestEvents.nextRev())));
    long before = log.lastSeq();
    for (String type : java.util.Arrays.asList(null, "application/octet-stream", "application/vnd.ipld.dag-cbor-x",
        "application/json", "")) {
      Response r = post(body, TOKEN, type);
      assertEquals(415, r.status(), "Content-Type " + type + ": " + r.body());
      assertTrue(r.body().contains("UnsupportedMediaType"), r.body());
    }
    assertEquals(before, log.lastSeq());
    assertEquals(200, post(body, TOKEN, "Application/VND.ipld.dag-cbor; charset=binary").status());
    assertEquals(before + 1, log.lastSeq());
  }

  @Test
  void refusesMalformedFramesNamingTheFrame() throws Exception {
    start(b -> b);
    String did = TestEvents.did(1);
    Frame good = TestEvents.commit(did, TestEvents.nextRev());
    byte[] g = good.bytes();
    byte[] body = TestEvents.concat(List.of(good, Frame.decode(g)));
    byte[] broken = java.util.Arrays.copyOf(body, body.length - 2);
    long before = log.lastSeq();
    Response r = post(broken, TOKEN);
    assertEquals(400, r.status());
    assertTrue(r.body().contains("\"frame\":1"), r.body());
    assertTrue(r.body().contains("InvalidFrame"), r.body());
    // a lexicon violation in the second frame rejects the whole batch
    Frame badDid = TestEvents.commitWithRepoText("did:nope", TestEvents.nextRev());
    Response v = post(List.of(TestEvents.commit(did, TestEvents.nextRev()), badDid));
    assertEquals(400, v.status());
    assertTrue(v.body().contains("\"frame\":1"), v.body());
    assertTrue(v.body().contains("repo"), v.body());
    assertEquals(before, log.lastSeq());
  }

  @Test
  void refusesOversizeBodies() throws Exception {
    start(b -> b.maxBodyBytes(10_000));
    long before = log.lastSeq();
    Response r = post(List.of(TestEvents.commit(TestEvents.did(1), TestEvents.nextRev(), 20_000)));
    assertEquals(413, r.status(), r.body());
    assertTrue(r.body().contains("PayloadTooLarge"), r.body());
    Response blocks = post(List.of(TestEvents.commit(TestEvents.did(1), TestEvents.nextRev(), 2_000_001)));
    assertEquals(413, blocks.status(), blocks.body());
    assertEquals(before, log.lastSeq());
  }

  @Test
  void staleRevGetsConflictWithCurrentRev() throws Exception {
    start(b -> b);
    String did = TestEvents.did(1);
    String older = TestEvents.nextRev();
    String newer = TestEvents.nextRev();
    assertEquals(200, post(List.of(TestEvents.commit(did, newer))).status());
    long before = log.lastSeq();
    Response r = post(List.of(TestEvents.commit(did, older)));
    assertEquals(409, r.status(), r.body());
    assertTrue(r.body().contains("StaleRev"), r.body());
    assertTrue(r.body().contains("\"currentRev\":\"" + newer + "\""), r.body());
    // a batch whose second commit is stale stores neither
    Response batch = post(List.of(TestEvents.commit(did, TestEvents.nextRev()), TestEvents.commit(did, older)));
    assertEquals(409, batch.status(), batch.body());
    assertEquals(before, log.lastSeq());
  }

  @Test
  void retriedPostIsDeduplicated() throws Exception {
    start(b -> b);
    String did = TestEvents.did(1);
    byte[] body = TestEvents.concat(List.of(TestEvents.identity(did), TestEvents.commit(did, TestEvents.nextRev())));
    Response first = post(body, TOKEN);
    assertEquals(200, first.status(), first.body());
    long after = log.lastSeq();
    Response retry = post(body, TOKEN);
    assertEquals(200, retry.status(), retry.body());
    assertEquals(TestEvents.seqs(first.body()), TestEvents.seqs(retry.body()));
    assertEquals(after, log.lastSeq());
  }

  @Test
  void servesOnlyTheSubscribeReposPathWithANeutralServerHeader() throws Exception {
    start(b -> b);
    TestSubscriber s = subscribe(null);
    String server = s.responseHeaders.getOrDefault("server", "");
    assertFalse(server.contains("atproto-relay"), server);
    assertFalse(server.contains("TooTallNate"), server);
    TestSubscriber wrong = new TestSubscriber(
        URI.create("ws://127.0.0.1:" + inverter.publicPort() + "/xrpc/com.atproto.sync.other"));
    assertFalse(wrong.connectBlocking(5, TimeUnit.SECONDS));
  }

  @Test
  void healthAndMetrics() throws Exception {
    start(b -> b);
    postCommits(TestEvents.did(1), 2);
    int port = inverter.ingestPort().orElseThrow();
    HttpResponse<String> h = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, h.statusCode());
    assertTrue(h.body().contains("\"status\":\"ok\""), h.body());
    assertTrue(h.headers().firstValue("server").isEmpty(), "no Server header");
    HttpResponse<String> m = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, m.statusCode());
    assertTrue(m.body().contains("atsync_inverter_events_ingested_total 2"), m.body());
    assertTrue(m.body().contains("# TYPE atsync_inverter_subscribers gauge"), m.body());
  }

  @Test
  void inProcessPublishSharesTheIngestPath() throws Exception {
    start(b -> b);
    TestSubscriber s = subscribe(null);
    String did = TestEvents.did(9);
    String rev = TestEvents.nextRev();
    List<Long> seqs = inverter.publish(List.of(TestEvents.commit(did, rev)));
    assertEquals(1, seqs.size());
    Frame got = s.await(1, 10).get(0);
    assertEquals(seqs.get(0), got.seq().getAsLong());
    // the same bytes again are a retry: same seq, nothing stored
    assertEquals(seqs, inverter.publish(List.of(TestEvents.commit(did, rev))));
    // a different commit with the same rev is stale
    dev.atsync.firehose.ingest.IngestException e = org.junit.jupiter.api.Assertions.assertThrows(dev.atsync.firehose.ingest.IngestException.class,
        () -> inverter.publish(List.of(TestEvents.commit(did, rev, 65))));
    assertEquals(409, e.status());
    assertEquals("StaleRev", e.errorName());
    Set<Long> distinct = new HashSet<>(s.seqs());
    assertEquals(1, distinct.size());
  }

  @Test
  void closesSubscribersWithAFrameOnShutdown() throws Exception {
    start(b -> b);
    TestSubscriber s = subscribe(null);
    postCommits(TestEvents.did(2), 3);
    s.await(3, 10);
    inverter.close();
    assertTrue(s.closed.await(10, TimeUnit.SECONDS));
    assertEquals(1001, s.closeCode);
    inverter = null;
  }
}
