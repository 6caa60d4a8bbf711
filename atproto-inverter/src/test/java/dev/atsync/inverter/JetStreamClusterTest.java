package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.jetstream.JetStreamEventStore;
import dev.atsync.inverter.log.jetstream.JetStreamSettings;
import dev.atsync.inverter.log.JetStreamNatsCluster;
import dev.atsync.inverter.log.LoggedEvent;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The multi-node deployment on 127.0.0.1: three nats-server processes in one JetStream cluster
 * and two in-process inverter nodes, each with its own JetStreamEventStore on one R3 stream.
 */
class JetStreamClusterTest {
  static final String TOKEN = "cluster-token-0123456789abcdef";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final AtomicInteger STREAMS = new AtomicInteger();

  JetStreamNatsCluster nats;
  JetStreamSettings settings;
  final Inverter[] nodes = new Inverter[2];
  final List<TestSubscriber> subscribers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    nats = JetStreamNatsCluster.start(3);
    int n = STREAMS.incrementAndGet();
    settings = JetStreamSettings.of(nats.url(0)).withUrls(nats.urls()).withStream("c" + n, "c" + n + ".ev")
        .withReplicas(3).withSeqFloor(10_000);
    for (int i = 0; i < 2; i++) {
      nodes[i] = Inverter.builder()
          .log(EventLog.over(JetStreamEventStore.connect(settings)))
          .publicAddress(new InetSocketAddress("127.0.0.1", 0))
          .ingestAddress(new InetSocketAddress("127.0.0.1", 0))
          .ingestTokens(List.of(TOKEN))
          .check(EventCheck.NONE)
          .build()
          .start();
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (TestSubscriber s : subscribers) {
      s.close();
    }
    for (Inverter i : nodes) {
      if (i != null) {
        i.close();
      }
    }
    if (nats != null) {
      nats.close();
    }
  }

  TestSubscriber subscribe(int node, Long cursor) throws InterruptedException {
    TestSubscriber s = TestSubscriber.connect(nodes[node].publicPort(), cursor);
    subscribers.add(s);
    return s;
  }

  /** Posts to a node; empty on any failure (status or connection). */
  static java.util.Optional<List<Long>> post(Inverter node, List<Frame> frames) {
    return postTo(node.ingestPort().orElseThrow(), frames);
  }


  /** After losing a server, the cluster re-elects leaders; a new connection may time out meanwhile. */
  static EventLog connectWithin(JetStreamSettings s, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (true) {
      try {
        return EventLog.over(JetStreamEventStore.connect(s));
      } catch (EventLogException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  static List<Long> seqsOf(List<Frame> frames) {
    return frames.stream().map(f -> f.seq().orElseThrow()).toList();
  }

  @Test
  void postsToBothNodesReachSubscribersOfBothWithIdenticalSeqsAndBytes() throws Exception {
    TestSubscriber onA = subscribe(0, null);
    TestSubscriber onB = subscribe(1, null);
    List<Long> acked = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String did = TestEvents.did(i % 5);
      acked.addAll(post(nodes[i % 2], List.of(TestEvents.commit(did, TestEvents.nextRev()))).orElseThrow());
    }
    List<Frame> a = onA.await(40, 20);
    List<Frame> b = onB.await(40, 20);
    assertEquals(acked, seqsOf(a));
    assertEquals(seqsOf(a), seqsOf(b));
    assertEquals(10_000L, acked.get(0));
    InverterTest.assertStrictlyIncreasing(acked);
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).bytes(), b.get(i).bytes());
    }
  }

  @Test
  void onAReplicatedStreamARetryAfterANewerRevIsADuplicateAndAnOlderRevIsStale() {
    try (EventLog log = EventLog.over(JetStreamEventStore.connect(settings))) {
      String did = TestEvents.did(77);
      String older = TestEvents.nextRev();
      Frame first = TestEvents.commit(did, TestEvents.nextRev());
      long s1 = log.append(List.of(event(first))).seqs().get(0);
      log.append(List.of(event(TestEvents.commit(did, TestEvents.nextRev()))));
      assertEquals(List.of(s1), log.append(List.of(event(first))).seqs());
      org.junit.jupiter.api.Assertions.assertThrows(dev.atsync.inverter.log.StaleRevException.class,
          () -> log.append(List.of(event(TestEvents.commit(did, older)))));
    }
  }

  static dev.atsync.inverter.log.LogEvent event(Frame f) {
    return new dev.atsync.inverter.log.LogEvent(f.did().orElseThrow(), f.rev(), f.type().orElseThrow(), f.bytes());
  }

  @Test
  void throughCaddyTwoPostersAndThreeSubscribersShareOneAddressAndOneOrder() throws Exception {
    RequiredServices.assume(onPath("caddy"),
        "caddy not installed: skipping the Caddy load-balancing test (CI installs it)");
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("atsync-caddy");
    int port = FreePorts.take(1)[0];
    String caddyfile = "{\n  admin off\n  auto_https off\n}\n"
        + "http://127.0.0.1:" + port + " {\n"
        + "  handle /events {\n    reverse_proxy 127.0.0.1:" + nodes[0].ingestPort().orElseThrow()
        + " 127.0.0.1:" + nodes[1].ingestPort().orElseThrow() + " {\n      lb_policy round_robin\n    }\n  }\n"
        + "  handle /xrpc/com.atproto.sync.subscribeRepos {\n    reverse_proxy 127.0.0.1:" + nodes[0].publicPort()
        + " 127.0.0.1:" + nodes[1].publicPort() + " {\n      lb_policy round_robin\n    }\n  }\n}\n";
    java.nio.file.Path conf = dir.resolve("Caddyfile");
    java.nio.file.Files.writeString(conf, caddyfile);
    ProcessBuilder pb = new ProcessBuilder("caddy", "run", "--config", conf.toString(), "--adapter", "caddyfile")
        .redirectErrorStream(true).redirectOutput(dir.resolve("caddy.log").toFile());
    pb.environment().put("XDG_DATA_HOME", dir.toString());
    pb.environment().put("XDG_CONFIG_HOME", dir.toString());
    pb.environment().put("HOME", dir.toString());
    Process caddy = pb.start();
    try {
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!listening(port)) {
        if (System.nanoTime() > deadline || !caddy.isAlive()) {
          throw new AssertionError("caddy did not start: " + java.nio.file.Files.readString(dir.resolve("caddy.log")));
        }
        Thread.sleep(50);
      }
      URI ws = URI.create("ws://127.0.0.1:" + port + "/xrpc/com.atproto.sync.subscribeRepos");
      List<TestSubscriber> subs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        TestSubscriber sub = new TestSubscriber(ws);
        assertTrue(sub.connectBlocking(10, java.util.concurrent.TimeUnit.SECONDS), "subscriber " + i + " connected");
        subscribers.add(sub);
        subs.add(sub);
      }
      List<Long> acked = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<Thread> posters = new ArrayList<>();
      for (int p = 0; p < 2; p++) {
        int pds = p;
        Thread t = new Thread(() -> {
          for (int i = 0; i < 25; i++) {
            Frame f = TestEvents.commit(TestEvents.did(200 + pds * 10 + i % 3), TestEvents.nextRev());
            java.util.Optional<List<Long>> seqs = postTo(port, List.of(f));
            if (seqs.isEmpty()) {
              failures.add("poster " + pds + " event " + i);
              return;
            }
            acked.addAll(seqs.get());
          }
        });
        posters.add(t);
        t.start();
      }
      for (Thread t : posters) {
        t.join();
      }
      assertEquals(List.of(), failures, "every post through Caddy is acknowledged (see stderr for the response)");
      List<Long> sorted = new ArrayList<>(acked);
      java.util.Collections.sort(sorted);
      List<Frame> first = subs.get(0).await(50, 30);
      assertEquals(sorted, seqsOf(first));
      for (TestSubscriber sub : subs) {
        List<Frame> got = sub.await(50, 30);
        assertEquals(seqsOf(first), seqsOf(got));
        for (int i = 0; i < got.size(); i++) {
          assertArrayEquals(first.get(i).bytes(), got.get(i).bytes());
        }
      }
      assertTrue(nodes[0].subscriberCount() > 0 && nodes[1].subscriberCount() > 0,
          "Caddy spread the subscribers over both nodes");
    } finally {
      caddy.destroyForcibly();
      caddy.waitFor();
    }
  }

  static boolean onPath(String binary) {
    for (String p : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!p.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(p, binary))) {
        return true;
      }
    }
    return false;
  }

  static boolean listening(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * Posts as a PDS's InverterClient would: a 503 (the cluster could not store the batch right
   * now) is retried, which the frame digest makes safe. Empty on any other failure.
   */
  static java.util.Optional<List<Long>> postTo(int port, List<Frame> frames) {
    try {
      HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events"))
          .timeout(Duration.ofSeconds(15)).POST(HttpRequest.BodyPublishers.ofByteArray(TestEvents.concat(frames)))
          .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/vnd.ipld.dag-cbor").build();
      for (int attempt = 1; ; attempt++) {
        HttpResponse<String> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() == 200) {
          return java.util.Optional.of(TestEvents.seqs(resp.body()));
        }
        System.err.println("post to port " + port + " failed (attempt " + attempt + "): " + resp.statusCode() + " "
            + resp.body());
        if (resp.statusCode() != 503 || attempt == 3) {
          return java.util.Optional.empty();
        }
        Thread.sleep(200L * attempt);
      }
    } catch (Exception e) {
      System.err.println("post to port " + port + " failed: " + e);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return java.util.Optional.empty();
    }
  }



  @Test
  void aSubscriberResumesOnTheOtherNodeFromItsCursorWithoutGapOrDuplicate() throws Exception {
    List<Long> acked = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      acked.addAll(post(nodes[i % 2], List.of(TestEvents.commit(TestEvents.did(1), TestEvents.nextRev())))
          .orElseThrow());
    }
    TestSubscriber first = subscribe(0, acked.get(0) - 1);
    List<Frame> part = first.await(12, 20).subList(0, 12);
    first.closeBlocking();
    long cursor = part.get(part.size() - 1).seq().orElseThrow();
    for (int i = 0; i < 10; i++) {
      acked.addAll(post(nodes[0], List.of(TestEvents.commit(TestEvents.did(1), TestEvents.nextRev())))
          .orElseThrow());
    }
    TestSubscriber resumed = subscribe(1, cursor);
    List<Frame> rest = resumed.await(acked.size() - 12, 20);
    List<Long> all = new ArrayList<>(seqsOf(part));
    all.addAll(seqsOf(rest));
    assertEquals(acked, all);
  }

  @Test
  void losingOneNatsServerAndOneNodeLosesNoAcknowledgedEvent() throws Exception {
    TestSubscriber onB = subscribe(1, null);
    Map<Long, byte[]> acked = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    List<Thread> posters = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      int poster = p;
      Thread t = new Thread(() -> {
        for (int i = 0; i < 60; i++) {
          Frame f = TestEvents.commit(TestEvents.did(100 + poster), TestEvents.nextRev());
          int target = (i + poster) % 2;
          long deadline = System.nanoTime() + 60_000_000_000L;
          while (System.nanoTime() < deadline) {
            java.util.Optional<List<Long>> r = post(nodes[target] == null ? nodes[1] : nodes[target], List.of(f));
            if (r.isPresent()) {
              acked.put(r.get().get(0), f.bytes());
              break;
            }
            failures.incrementAndGet();
            target = 1; // retry on the surviving node; the retry is deduplicated
          }
        }
      });
      posters.add(t);
      t.start();
    }
    while (acked.size() < 30) {
      Thread.sleep(5);
    }
    nats.kill(0);
    Inverter dead = nodes[0];
    dead.close();
    for (Thread t : posters) {
      t.join();
    }
    assertEquals(120, acked.size(), "every post was acknowledged once (after " + failures.get() + " failures)");
    List<Frame> seen = onB.await(120, 30);
    List<Long> sortedAcked = new ArrayList<>(acked.keySet());
    java.util.Collections.sort(sortedAcked);
    assertEquals(sortedAcked, seqsOf(seen).subList(0, 120));
    try (EventLog check = connectWithin(settings.withUrls(List.of(nats.url(1), nats.url(2))), 60)) {
      List<LoggedEvent> stored = check.readAfter(0, 1000);
      assertEquals(sortedAcked, stored.stream().map(LoggedEvent::seq).toList());
      for (LoggedEvent e : stored) {
        // stored with seq 0 (the log's seq is spliced in when served)
        assertArrayEquals(Frame.decode(acked.get(e.seq())).withSeq(0).bytes(), e.frame(), "bytes of seq " + e.seq());
      }
    }
    assertTrue(nodes[1].publicPort() > 0);
  }
}
