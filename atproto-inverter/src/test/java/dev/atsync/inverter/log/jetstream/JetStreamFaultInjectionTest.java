package dev.atsync.inverter.log.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atsync.inverter.log.AppendResult;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.JetStreamNatsCluster;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17 on JetStream, against a real nats-server: a failure injected at each publish of a
 * batch. A publish that goes unanswered once is sent again under the same message id; once part
 * of a batch is stored, the store finishes the batch rather than leave a stored prefix behind an
 * error answer. So 200 means every event is stored once; an error with nothing stored is the rule;
 * and where the server refuses an event of a batch whose earlier events it already stored (what
 * JetStream 2.9, which has no atomic batch, cannot undo) the retry of the batch is answered with
 * the stored events' seqs and stores each event once.
 */
class JetStreamFaultInjectionTest {
  private static final AtomicLong REV = new AtomicLong(5_000_000);
  private static final AtomicInteger STREAMS = new AtomicInteger();
  private static JetStreamNatsCluster nats;

  @BeforeAll
  static void startNats() throws Exception {
    nats = JetStreamNatsCluster.start(1);
  }

  @AfterAll
  static void stopNats() {
    if (nats != null) {
      nats.close();
    }
  }

  static String rev() {
    return Tid.of(1_700_000_000_000_000L + REV.incrementAndGet(), 0).toString();
  }

  static List<LogEvent> batch(int n) {
    List<LogEvent> b = new ArrayList<>();
    b.add(new LogEvent(Did.parse("did:plc:a" + n), Optional.of(Tid.parse(rev())), "#commit",
        ("a" + n + " " + rev()).getBytes(StandardCharsets.UTF_8)));
    b.add(new LogEvent(Did.parse("did:plc:b" + n), Optional.empty(), "#identity",
        ("b" + n).getBytes(StandardCharsets.UTF_8)));
    b.add(new LogEvent(Did.parse("did:plc:c" + n), Optional.of(Tid.parse(rev())), "#commit",
        ("c" + n + " " + rev()).getBytes(StandardCharsets.UTF_8)));
    return b;
  }

  record Opened(EventLog log, JetStreamEventStore store) {}

  static Opened open() {
    int n = STREAMS.incrementAndGet();
    JetStreamEventStore s = JetStreamEventStore.connect(JetStreamSettings.of(nats.url(0))
        .withStream("f" + n, "f" + n + ".ev"));
    return new Opened(EventLog.over(s), s);
  }

  /** Counts publishes from now; fails those for which {@code fail} says so. */
  static AtomicInteger inject(JetStreamEventStore s, java.util.function.IntPredicate fail, boolean unanswered) {
    AtomicInteger calls = new AtomicInteger();
    s.beforePublish = (m, po) -> {
      int c = calls.incrementAndGet();
      if (fail.test(c)) {
        if (unanswered) {
          throw new IOException("injected: publish " + c + " went unanswered");
        }
        throw new EventLogException("injected: publish " + c + " refused");
      }
    };
    return calls;
  }

  static List<byte[]> stored(EventLog log) {
    List<byte[]> out = new ArrayList<>();
    for (LoggedEvent e : log.readAfter(0, 1000)) {
      out.add(e.frame());
    }
    return out;
  }

  static int count(List<byte[]> stored, LogEvent e) {
    int n = 0;
    for (byte[] b : stored) {
      n += java.util.Arrays.equals(b, e.frame()) ? 1 : 0;
    }
    return n;
  }

  /** One unanswered publish anywhere in a batch: sent again under its message id, the batch is stored whole, once. */
  @ParameterizedTest(name = "publish {0} unanswered once")
  @ValueSource(ints = {1, 2, 3})
  void anUnansweredPublishIsSentAgainAndTheAnswerIsTheTruth(int k) throws Exception {
    Opened o = open();
    try (EventLog log = o.log()) {
      List<LogEvent> b = batch(k);
      inject(o.store(), c -> c == k, true);
      AppendResult r = log.append(b);
      assertEquals(3, r.seqs().size());
      awaitTail(log, r.seqs().get(2));
      List<byte[]> stored = stored(log);
      for (LogEvent e : b) {
        assertEquals(1, count(stored, e), "stored once");
      }
      assertEquals(3, stored.size());
    }
  }

  /**
   * Publishes that stay unanswered (NATS gone) for longer than the store waits: an error, and
   * nothing of the batch is stored when the first publish fails; when a later one fails, the
   * store keeps sending the rest for a while, so a short outage still ends in a stored batch.
   */
  @ParameterizedTest(name = "publishes from {0} on unanswered for a while")
  @ValueSource(ints = {2, 3})
  void aBatchStartedIsFinishedWhenTheServerComesBack(int k) throws Exception {
    Opened o = open();
    try (EventLog log = o.log()) {
      List<LogEvent> b = batch(10 + k);
      long until = System.nanoTime() + 1_500_000_000L; // unanswered for 1.5 s, then answered again
      inject(o.store(), c -> c >= k && System.nanoTime() < until, true);
      AppendResult r = log.append(b);
      awaitTail(log, r.seqs().get(2));
      List<byte[]> stored = stored(log);
      for (LogEvent e : b) {
        assertEquals(1, count(stored, e), "stored once");
      }
    }
  }

  @ParameterizedTest(name = "first publish fails ({0})")
  @ValueSource(booleans = {true, false})
  void aBatchWhoseFirstPublishFailsStoresNothing(boolean unanswered) throws Exception {
    Opened o = open();
    try (EventLog log = o.log()) {
      List<LogEvent> b = batch(20);
      inject(o.store(), c -> true, unanswered);
      try {
        log.append(b);
        fail("stored although every publish failed");
      } catch (EventLogException expected) {
        // refused
      }
      o.store().beforePublish = (m, po) -> { };
      assertEquals(0, stored(log).size(), "nothing stored");
      AppendResult r = log.append(b);
      assertEquals(0, r.duplicates());
      awaitTail(log, r.seqs().get(2));
      assertEquals(3, stored(log).size());
    }
  }

  /**
   * The server refuses a later event of a batch it stored the start of (JetStream 2.9 cannot undo
   * it): the append fails, and the retry of the batch is answered with the stored events' seqs and
   * stores the rest, each event once.
   */
  @ParameterizedTest(name = "publish {0} refused")
  @ValueSource(ints = {2, 3})
  void aRefusedLaterEventLeavesAPrefixThatTheRetryCompletes(int k) throws Exception {
    Opened o = open();
    try (EventLog log = o.log()) {
      List<LogEvent> b = batch(30 + k);
      inject(o.store(), c -> c == k, false);
      try {
        log.append(b);
        fail("stored although publish " + k + " was refused");
      } catch (EventLogException expected) {
        // refused
      }
      o.store().beforePublish = (m, po) -> { };
      AppendResult r = log.append(b);
      assertEquals(k - 1, r.duplicates(), "the stored prefix is recognised");
      awaitTail(log, r.seqs().get(2));
      List<byte[]> stored = stored(log);
      for (LogEvent e : b) {
        assertEquals(1, count(stored, e), "stored once");
      }
      assertEquals(EventStore.Status.OK, o.store().status());
    }
  }

  static void awaitTail(EventLog log, long seq) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (log.lastSeq() < seq && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(log.lastSeq() >= seq);
  }
}
