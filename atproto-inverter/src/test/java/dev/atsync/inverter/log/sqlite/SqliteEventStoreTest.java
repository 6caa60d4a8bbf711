package dev.atsync.inverter.log.sqlite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.log.AppendResult;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventLogContract;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.StaleRevException;
import dev.atsync.syntax.Did;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteEventStoreTest extends EventLogContract {
  @TempDir
  Path dir;
  int n;

  @Override
  protected EventStore createStore(long floor) {
    return SqliteEventStore.open(dir.resolve("log" + n++), SqliteEventStore.Settings.DEFAULT.withSeqFloor(floor)
        .withRetention(Retention.FOREVER));
  }

  @Override
  protected EventStore createStore(Clock clock) {
    // a long prune interval keeps the background pruner out of the test's way
    return SqliteEventStore.open(dir.resolve("log" + n++), new SqliteEventStore.Settings(1, Retention.FOREVER,
        Duration.ofMinutes(10), Duration.ofHours(1)), clock);
  }

  static EventLog open(Path d) {
    return EventLog.over(SqliteEventStore.open(d, SqliteEventStore.Settings.DEFAULT.withRetention(Retention.FOREVER)));
  }

  @Test
  void prunesMoreThanOneChunkByAgeAndByCount() {
    ManualClock clock = new ManualClock();
    EventLog log = create(clock);
    opened.add(log);
    for (int b = 0; b < 12; b++) {
      List<LogEvent> batch = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        batch.add(identity("did:plc:a", b * 1000 + i));
      }
      log.append(batch);
    }
    clock.millis.addAndGet(Duration.ofHours(1).toMillis());
    log.append(List.of(identity("did:plc:a", -1)));
    // both cuts span more than one pruning chunk (5,000 events)
    assertEquals(6_000, log.prune(Retention.ofEvents(6_001)));
    assertEquals(6_001, log.oldestSeq());
    assertEquals(6_000, log.prune(Retention.ofAge(Duration.ofMinutes(30))));
    assertEquals(List.of(12_001L), log.readAfter(0, 10).stream().map(LoggedEvent::seq).toList());
  }

  @Test
  void stateSurvivesRestartAndFullPruning() {
    Path d = dir.resolve("restart");
    EventLog log = open(d);
    String r = rev();
    log.append(List.of(commit("did:plc:a", r), identity("did:plc:b", 1)),
        new EventStore.UpstreamPosition("ws://pds", 42));
    log.prune(Retention.ofEvents(1));
    log.close();
    EventLog again = open(d);
    try {
      assertEquals(2, again.lastSeq());
      assertEquals(2, again.oldestSeq());
      assertEquals(Optional.of(r), currentRev(again, "did:plc:a"));
      assertEquals(java.util.OptionalLong.of(42), again.upstreamCursor("ws://pds"));
      again.prune(new Retention(Optional.of(Duration.ofNanos(1)), java.util.OptionalLong.empty()));
      assertEquals(3, again.oldestSeq());
      assertEquals(List.of(3L), again.append(List.of(identity("did:plc:c", 1))).seqs());
    } finally {
      again.close();
    }
    EventLog third = open(d);
    try {
      third.prune(Retention.ofEvents(1));
      assertEquals(List.of(4L), third.append(List.of(identity("did:plc:c", 2))).seqs());
    } finally {
      third.close();
    }
  }

  @Test
  void concurrentBatchesShareGroupCommits() throws Exception {
    EventLog log = log(1);
    SqliteEventStore store = (SqliteEventStore) log.store();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int thread = t;
      Thread th = new Thread(() -> {
        for (int i = 0; i < 40; i++) {
          log.append(List.of(identity("did:plc:g" + thread, i)));
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(640, store.appendsCommitted());
    assertTrue(store.groupCommits() < store.appendsCommitted(),
        "appends shared commits: " + store.groupCommits() + " groups for " + store.appendsCommitted() + " appends");
    assertTrue(store.largestGroup() > 1 && store.largestGroup() <= 16, "largest group " + store.largestGroup());
    assertEquals(640, store.eventsStored());
  }

  @Test
  void countsWhatItStores() {
    EventLog log = log(1);
    SqliteEventStore store = (SqliteEventStore) log.store();
    String r1 = rev();
    String r2 = rev();
    List<LogEvent> batch = List.of(commit("did:plc:m", r2), identity("did:plc:m", 1));
    log.append(batch);
    AppendResult retry = log.append(batch);
    assertEquals(2, retry.duplicates());
    org.junit.jupiter.api.Assertions.assertThrows(StaleRevException.class,
        () -> log.append(List.of(commit("did:plc:m", r1))));
    // the retried #commit is the account's head, recognised before the store is asked; the
    // #identity (no rev) is recognised by the store
    assertEquals(1, store.duplicates());
    assertEquals(2, store.eventsStored());
    assertTrue(store.lastCommitMicros() > 0);
  }

  /**
   * Appends in a child JVM that prints each acknowledged seq, kills it with SIGKILL mid-stream,
   * reopens the log and finds every acknowledged event, in order, with its bytes.
   */
  @Test
  void acknowledgedAppendsSurviveSigkill() throws Exception {
    Path d = dir.resolve("crash");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), CrashingAppender.class.getName(), d.toString());
    pb.redirectErrorStream(false);
    Process p = pb.start();
    List<Long> acked = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        acked.add(Long.parseLong(line.trim()));
        if (acked.size() == 300) {
          p.destroyForcibly();
          break;
        }
      }
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(300, acked.size(), "child acknowledged enough before the kill");
    EventLog log = open(d);
    try {
      List<LoggedEvent> stored = log.readAfter(0, 1_000_000);
      assertTrue(stored.size() >= acked.size());
      for (long seq : acked) {
        LoggedEvent e = stored.get((int) seq - 1);
        assertEquals(seq, e.seq());
        assertArrayEquals(CrashingAppender.frame(seq), e.frame(), "bytes of seq " + seq);
      }
      assertTrue(log.lastSeq() >= acked.get(acked.size() - 1));
    } finally {
      log.close();
    }
  }

  /** The child process of {@link #acknowledgedAppendsSurviveSigkill}. */
  public static final class CrashingAppender {
    static byte[] frame(long i) {
      return ("event " + i + " " + "x".repeat((int) (i % 200))).getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws IOException {
      EventLog log = open(Path.of(args[0]));
      List<Thread> writers = new ArrayList<>();
      java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
      for (int t = 0; t < 4; t++) {
        Thread th = new Thread(() -> {
          while (true) {
            synchronized (next) {
              long i = next.incrementAndGet();
              long seq = log.append(List.of(new LogEvent(Did.parse("did:plc:crash"), Optional.empty(), "#identity", frame(i))))
                  .seqs().get(0);
              System.out.println(seq);
              System.out.flush();
            }
          }
        });
        th.start();
        writers.add(th);
      }
    }
  }
}
