package dev.atsync.inverter.log.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.log.AppendResult;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.JetStreamNatsCluster;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.log.StaleRevException;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pipelined publishes against real nats-servers (one, and a three-server cluster with R3
 * streams): many appends in flight at once keep each account's order and store every event once;
 * publishes that time out for real in the middle of a batch (the server frozen) are resent under
 * their message ids and a retry of the whole batch is deduplicated; another writer's append to one
 * account in the middle of a pipelined batch is a {@code Conflict} the log recovers from.
 */
class JetStreamPipelineTest {
  private static final AtomicLong REV = new AtomicLong(1_710_000_000_000_000L);
  private static final AtomicInteger STREAMS = new AtomicInteger();
  private static final Map<Integer, JetStreamNatsCluster> CLUSTERS = new ConcurrentHashMap<>();
  private final List<AutoCloseable> opened = new CopyOnWriteArrayList<>();

  @AfterAll
  static void stopNats() {
    CLUSTERS.values().forEach(JetStreamNatsCluster::close);
    CLUSTERS.clear();
  }

  @org.junit.jupiter.api.AfterEach
  void closeLogs() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  /** One server (R1 streams) or three (R3 streams), started once for the class. */
  static JetStreamNatsCluster nats(int servers) {
    return CLUSTERS.computeIfAbsent(servers, n -> {
      try {
        return JetStreamNatsCluster.start(n);
      } catch (Exception e) {
        throw new IllegalStateException("cannot start " + n + " nats-server(s)", e);
      }
    });
  }

  static JetStreamSettings settings(JetStreamNatsCluster nats, int replicas) {
    int n = STREAMS.incrementAndGet();
    return JetStreamSettings.of(nats.url(0)).withUrls(nats.urls()).withStream("p" + n, "p" + n + ".ev")
        .withReplicas(replicas);
  }

  JetStreamEventStore store(JetStreamSettings s) {
    JetStreamEventStore store = JetStreamEventStore.connect(s);
    opened.add(store);
    return store;
  }

  static String rev() {
    return Tid.of(REV.incrementAndGet(), 0).toString();
  }

  static LogEvent commit(String did, String rev) {
    return new LogEvent(Did.parse(did), Optional.of(Tid.parse(rev)), "#commit",
        (did + "/" + rev).getBytes(StandardCharsets.UTF_8));
  }

  static LogEvent identity(String did, int n) {
    return new LogEvent(Did.parse(did), Optional.empty(), "#identity",
        (did + "#" + n).getBytes(StandardCharsets.UTF_8));
  }

  /** Every event in the stream, read through {@code log}, once its tail reached {@code lastSeq}. */
  static List<LoggedEvent> all(EventLog log, long lastSeq) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (log.lastSeq() < lastSeq && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    List<LoggedEvent> out = new ArrayList<>();
    long after = 0;
    while (true) {
      List<LoggedEvent> page = log.readAfter(after, 1000);
      if (page.isEmpty()) {
        return out;
      }
      out.addAll(page);
      after = page.get(page.size() - 1).seq();
    }
  }

  static String key(byte[] frame) {
    return HexFormat.of().formatHex(frame);
  }

  /** Fails if any frame is stored more than once; answers where each frame is stored. */
  static Map<String, Long> storedOnce(List<LoggedEvent> events) {
    Map<String, Long> at = new HashMap<>();
    for (LoggedEvent e : events) {
      Long before = at.put(key(e.frame()), e.seq());
      assertEquals(null, before, "frame " + new String(e.frame(), StandardCharsets.UTF_8) + " stored twice");
    }
    return at;
  }

  /**
   * 16 threads append batches at once: each batch is an identity and two commits of the thread's
   * own account around a commit of one of two accounts every thread writes (so appends race for
   * them and lose to Conflicts and stale revs), and each acknowledged batch is retried once.
   */
  @ParameterizedTest(name = "R{0}")
  @ValueSource(ints = {1, 3})
  void concurrentAppendsKeepEachAccountsOrderAndStoreEveryAcknowledgedEventOnce(int replicas) throws Exception {
    JetStreamNatsCluster nats = nats(replicas);
    EventLog log = EventLog.over(store(settings(nats, replicas)));
    int threads = 16;
    int rounds = replicas == 1 ? 30 : 12;
    // each acknowledged event with its seq, recorded together: two lists filled one after the
    // other would pair one thread's events with another's seqs when two threads interleave
    List<Map.Entry<LogEvent, Long>> acked = new CopyOnWriteArrayList<>();
    AtomicInteger stale = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String own = "did:plc:own" + t;
        fs.add(pool.submit(() -> {
          for (int r = 0; r < rounds; r++) {
            String hot = "did:plc:hot" + (r % 2);
            List<LogEvent> batch = List.of(identity(own, r), commit(own, rev()), commit(hot, rev()),
                commit(own, rev()));
            AppendResult res;
            try {
              res = log.append(batch);
            } catch (StaleRevException lost) {
              stale.incrementAndGet(); // a newer commit of the hot account was stored first
              continue;
            }
            List<Long> seqs = res.seqs();
            assertTrue(seqs.get(0) < seqs.get(1) && seqs.get(1) < seqs.get(3),
                "the account's events are stored in batch order: " + seqs);
            for (int i = 0; i < batch.size(); i++) {
              acked.add(Map.entry(batch.get(i), seqs.get(i)));
            }
            AppendResult retry = log.append(batch);
            assertEquals(seqs, retry.seqs(), "a retry is answered with the original seqs");
            assertEquals(4, retry.duplicates());
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    long last = acked.stream().mapToLong(Map.Entry::getValue).max().orElse(0);
    List<LoggedEvent> stored = all(log, last);
    Map<String, Long> at = storedOnce(stored);
    for (Map.Entry<LogEvent, Long> a : acked) {
      assertEquals(a.getValue(), at.get(key(a.getKey().frame())), "an acknowledged event is at its seq");
    }
    assertTrue(acked.size() >= threads * 4, "most batches are acknowledged (" + stale.get() + " stale)");
    // per account, the commits' revs strictly increase with the seq: order kept, nothing stale stored
    Map<Did, String> lastRev = new HashMap<>();
    for (LoggedEvent e : stored) {
      if (!e.type().equals("#commit")) {
        continue;
      }
      String rev = new String(e.frame(), StandardCharsets.UTF_8).substring(e.did().toString().length() + 1);
      String prev = lastRev.put(e.did(), rev);
      assertTrue(prev == null || prev.compareTo(rev) < 0, e.did() + ": rev " + rev + " after " + prev);
    }
  }

  /**
   * A batch of 200 events (100 accounts, two commits each) meets a frozen server part-way: the
   * publishes in flight and those after them go unanswered past the request timeout, are resent
   * under their message ids, and the append either finishes the batch once the server answers or
   * fails; either way the client's retry of the whole batch is answered with each event's one
   * stored seq.
   */
  @Test
  void aBatchWhosePublishesTimeOutMidPipelineIsStoredOnceAndItsRetryDeduplicated() throws Exception {
    try (JetStreamNatsCluster nats = JetStreamNatsCluster.start(1)) {
      int n = STREAMS.incrementAndGet();
      JetStreamSettings s = new JetStreamSettings(List.of(nats.url(0)), "p" + n, "p" + n + ".ev", 1, Optional.empty(),
          OptionalLong.empty(), Duration.ofMinutes(10), 1, Duration.ofMillis(800), 10_000);
      JetStreamEventStore store = store(s);
      EventLog log = EventLog.over(store);
      List<LogEvent> batch = new ArrayList<>();
      for (int a = 0; a < 100; a++) {
        batch.add(commit("did:plc:frozen" + a, rev()));
      }
      for (int a = 0; a < 100; a++) {
        batch.add(commit("did:plc:frozen" + a, rev()));
      }
      AtomicInteger calls = new AtomicInteger();
      Thread resume = new Thread(() -> {
        try {
          Thread.sleep(2_500);
          nats.resume(0);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      store.beforePublish = (m, po) -> {
        if (calls.incrementAndGet() == 60) {
          try {
            nats.pause(0); // requests 1..59 are in flight or answered; from here nothing is answered
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          resume.start();
        }
      };
      List<Long> first = null;
      try {
        first = log.append(batch).seqs();
      } catch (EventLogException timedOut) {
        // the server stayed silent longer than the append waits: part of the batch may be stored
      } finally {
        resume.join();
        store.beforePublish = (m, po) -> { };
      }
      assertTrue(calls.get() > batch.size() / 2 + 100, "unanswered publishes were resent (" + calls.get() + " requests)");
      AppendResult retry = log.append(batch);
      if (first != null) {
        assertEquals(first, retry.seqs(), "the retry is answered with the original seqs");
        assertEquals(200, retry.duplicates());
      }
      long last = retry.seqs().stream().mapToLong(Long::longValue).max().orElseThrow();
      Map<String, Long> at = storedOnce(all(log, last));
      assertEquals(200, at.size(), "every event stored, once");
      for (int i = 0; i < batch.size(); i++) {
        assertEquals(retry.seqs().get(i), at.get(key(batch.get(i).frame())));
      }
      for (int a = 0; a < 100; a++) {
        assertTrue(retry.seqs().get(a) < retry.seqs().get(100 + a), "an account's two commits stay in order");
      }
    }
  }

  /**
   * Another node appends to one account while this node's pipelined batch (expecting that account
   * to be empty) is published: the store answers {@code Conflict} for that account and publishes
   * none of its events; the log's append of the same batch then stores the account's events after
   * the other node's, in order, and recognises what the first call stored as duplicates.
   */
  @ParameterizedTest(name = "R{0}")
  @ValueSource(ints = {1, 3})
  void anotherWritersAppendInTheMiddleOfAPipelinedBatchIsAConflictTheLogRecoversFrom(int replicas) throws Exception {
    JetStreamNatsCluster nats = nats(replicas);
    JetStreamSettings s = settings(nats, replicas);
    JetStreamEventStore a = store(s);
    EventLog other = EventLog.over(store(s));
    List<LogEvent> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(commit("did:plc:c" + i, rev()));
    }
    String x = "did:plc:cx";
    String otherRev = rev();
    batch.add(commit(x, rev()));
    batch.add(identity(x, 1));
    batch.add(commit(x, rev()));
    for (int i = 10; i < 20; i++) {
      batch.add(commit("did:plc:c" + i, rev()));
    }
    long otherSeq = other.append(List.of(commit(x, otherRev))).seqs().get(0);
    List<EventStore.Entry> entries = batch.stream().map(EventStore.Entry::of).toList();
    Map<Did, Long> expect = new HashMap<>();
    for (LogEvent e : batch) {
      expect.put(e.did(), 0L); // what a plan made before the other node's append saw
    }
    EventStore.Outcome outcome = a.append(entries, expect, Optional.empty());
    EventStore.Conflict conflict = assertInstanceOf(EventStore.Conflict.class, outcome);
    assertEquals(Set.of(Did.parse(x)), conflict.moved());
    assertEquals(otherSeq, a.head(Did.parse(x)).orElseThrow().seq(), "after the conflict the head is the other's");

    EventLog log = EventLog.over(a);
    long lastBefore = a.lastSeq();
    Map<String, Long> before = storedOnce(all(log, lastBefore));
    for (int i = 10; i < 13; i++) {
      assertFalse(before.containsKey(key(batch.get(i).frame())), "none of the moved account's events is stored");
    }
    AppendResult res = log.append(batch);
    assertEquals(before.size() - 1, res.duplicates(), "what the first call stored is recognised");
    List<Long> seqs = res.seqs();
    assertTrue(otherSeq < seqs.get(10) && seqs.get(10) < seqs.get(11) && seqs.get(11) < seqs.get(12),
        "the account's events follow the other node's, in order: " + seqs);
    long last = seqs.stream().mapToLong(Long::longValue).max().orElseThrow();
    Map<String, Long> at = storedOnce(all(log, last));
    assertEquals(batch.size() + 1, at.size());
    for (int i = 0; i < batch.size(); i++) {
      assertEquals(seqs.get(i), at.get(key(batch.get(i).frame())));
    }
  }

  /**
   * A head this node cached goes stale when another node appends: the rev rule still holds
   * (an older rev is refused, a newer one stored after the other node's event), whether or not
   * this node's tail has delivered the other append yet.
   */
  @Test
  void aStaleCachedHeadNeverLetsAnOlderRevIn() throws Exception {
    JetStreamNatsCluster nats = nats(1);
    JetStreamSettings s = settings(nats, 1);
    EventLog a = EventLog.over(store(s));
    EventLog b = EventLog.over(store(s));
    for (int i = 0; i < 30; i++) {
      String did = "did:plc:stale" + i;
      String r1 = rev();
      String between = rev();
      String r2 = rev();
      String r3 = rev();
      a.append(List.of(commit(did, r1)));
      assertEquals(Optional.of(Tid.parse(r1)), a.currentRev(Did.parse(did))); // now cached on a
      long bSeq = b.append(List.of(commit(did, r2))).seqs().get(0);
      assertThrows(StaleRevException.class, () -> a.append(List.of(commit(did, between))));
      long aSeq = a.append(List.of(commit(did, r3))).seqs().get(0);
      assertTrue(aSeq > bSeq);
    }
  }

  /** More events to different accounts than publishes may be in flight: the append waits for slots and stores all. */
  @Test
  void aBatchLargerThanTheInFlightBoundIsStoredWhole() throws Exception {
    EventLog log = EventLog.over(store(settings(nats(1), 1)));
    List<LogEvent> batch = new ArrayList<>();
    for (int i = 0; i < JetStreamEventStore.MAX_IN_FLIGHT + 300; i++) {
      batch.add(commit("did:plc:wide" + i, rev()));
    }
    AppendResult r = log.append(batch);
    assertEquals(0, r.duplicates());
    long last = r.seqs().stream().mapToLong(Long::longValue).max().orElseThrow();
    Map<String, Long> at = storedOnce(all(log, last));
    assertEquals(batch.size(), at.size());
    for (int i = 0; i < batch.size(); i++) {
      assertEquals(r.seqs().get(i), at.get(key(batch.get(i).frame())));
    }
  }

  @Test
  void headCacheKeepsTheNewestHeadAndStaysWithinItsBound() {
    HeadCache c = new HeadCache(2);
    Did x = Did.parse("did:plc:x");
    Did y = Did.parse("did:plc:y");
    Did z = Did.parse("did:plc:z");
    EventStore.Head h5 = new EventStore.Head(5, Tid.parse(rev()), Optional.empty());
    EventStore.Head h9 = new EventStore.Head(9, Tid.parse(rev()), Optional.empty());
    assertEquals(Optional.empty(), c.get(x), "unknown");
    c.read(x, Optional.empty());
    assertEquals(Optional.of(Optional.empty()), c.get(x), "known to have no head");
    c.stored(x, h9);
    c.stored(x, h5);
    assertEquals(9, c.get(x).orElseThrow().orElseThrow().seq(), "an older head never replaces a newer one");
    c.read(x, Optional.of(h5));
    assertEquals(9, c.get(x).orElseThrow().orElseThrow().seq(), "nor does a slower server answer");
    c.moved(x);
    assertEquals(Optional.empty(), c.get(x), "after a conflict the server is asked");
    c.stored(x, new EventStore.Head(10, Tid.parse(rev()), Optional.empty()));
    assertEquals(Optional.empty(), c.get(x), "still, until it answered");
    c.read(x, Optional.of(new EventStore.Head(11, Tid.parse(rev()), Optional.empty())));
    assertEquals(11, c.get(x).orElseThrow().orElseThrow().seq());
    c.stored(y, h5);
    c.stored(z, h5);
    assertEquals(2, c.size(), "one of three accounts is dropped");
    int known = 0;
    for (Did d : List.of(x, y, z)) {
      known += c.get(d).isPresent() ? 1 : 0;
    }
    assertEquals(2, known, "a dropped account is unknown (asked of the server again)");
    c.clear();
    assertEquals(0, c.size());
    assertThrows(IllegalArgumentException.class, () -> new HeadCache(0));
  }
}
