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
  void retriesAreRecognisedAfterARestart() {
    Path d = dir.resolve("dedup-restart");
    EventLog log = open(d);
    List<LogEvent> batch = List.of(identity("did:plc:r", 1), identity("did:plc:r", 2), identity("did:plc:s", 1));
    List<Long> seqs = log.append(batch).seqs();
    log.close();
    EventLog again = open(d);
    try {
      AppendResult retry = again.append(batch);
      assertEquals(seqs, retry.seqs());
      assertEquals(3, retry.duplicates());
      assertEquals(3, again.lastSeq());
    } finally {
      again.close();
    }
  }

  @Test
  void aFileFromBeforeDigestsWereStoredWithEventsOpensAndKeepsItsRetries() throws Exception {
    Path d = dir.resolve("old-schema");
    java.nio.file.Files.createDirectories(d);
    LogEvent old = identity("did:plc:o", 1);
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + d.resolve("events.db"));
        java.sql.Statement s = c.createStatement()) {
      // the schema as the release before wrote it: digests in a table of their own
      s.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, did TEXT NOT NULL, type TEXT NOT NULL,"
          + " frame BLOB NOT NULL, received_at INTEGER NOT NULL)");
      s.execute("CREATE TABLE accounts (did TEXT PRIMARY KEY, rev TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0,"
          + " digest BLOB)");
      s.execute("CREATE TABLE dedup (digest BLOB PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID");
      s.execute("CREATE INDEX dedup_at ON dedup(at)");
      s.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      s.execute("CREATE TABLE upstreams (name TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
      try (java.sql.PreparedStatement p = c.prepareStatement("INSERT INTO events VALUES (7, ?, '#identity', ?, ?)")) {
        p.setString(1, old.did().toString());
        p.setBytes(2, old.frame());
        p.setLong(3, System.currentTimeMillis());
        p.executeUpdate();
      }
      s.execute("INSERT INTO meta VALUES ('last_seq', 7)");
    }
    EventLog log = open(d);
    try {
      AppendResult retry = log.append(List.of(old));
      assertEquals(List.of(7L), retry.seqs());
      assertEquals(1, retry.duplicates());
      assertEquals(List.of(8L), log.append(List.of(identity("did:plc:o", 2))).seqs());
    } finally {
      log.close();
    }
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + d.resolve("events.db"));
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE name LIKE 'dedup%'")) {
      assertTrue(!rs.next(), "the digest table is gone");
    }
  }

  @Test
  void theDeduplicationWindowIsBoundedByCount() {
    EventLog log = EventLog.over(SqliteEventStore.open(dir.resolve("bounded"),
        SqliteEventStore.Settings.DEFAULT.withRetention(Retention.FOREVER).withDedupMaxEvents(2)));
    opened.add(log);
    LogEvent first = identity("did:plc:w", 1);
    log.append(List.of(first));
    log.append(List.of(identity("did:plc:w", 2)));
    LogEvent third = identity("did:plc:w", 3);
    log.append(List.of(third));
    assertEquals(List.of(3L), log.append(List.of(third)).seqs(), "the newest two are remembered");
    // the oldest was forgotten: its retry is stored again (the documented cost of the bound)
    assertEquals(List.of(4L), log.append(List.of(first)).seqs());
  }

  @Test
  void refusesADeduplicationBoundBelowOne() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> SqliteEventStore.Settings.DEFAULT.withDedupMaxEvents(0));
  }

  @Test
  void anAppendToAnIdleStoreIsCommittedOnTheAppendingThread() {
    EventLog log = log(1);
    List<String> committers = new java.util.concurrent.CopyOnWriteArrayList<>();
    log.addAppendListener(seq -> committers.add(Thread.currentThread().getName()));
    log.append(List.of(identity("did:plc:t", 1)));
    assertEquals(List.of(Thread.currentThread().getName()), committers);
  }

  @Test
  void theAccountsTableCatchesUpWhileIdle() throws Exception {
    Path d = dir.resolve("heads-idle");
    EventLog log = open(d);
    try {
      String r = rev();
      log.append(List.of(commit("did:plc:idle", r)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      String stored = null;
      while (System.nanoTime() < deadline && !r.equals(stored)) {
        Thread.sleep(50);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + d.resolve("events.db"));
            java.sql.Statement s = c.createStatement();
            java.sql.ResultSet rs = s.executeQuery("SELECT rev FROM accounts WHERE did = 'did:plc:idle'")) {
          stored = rs.next() ? rs.getString(1) : null;
        }
      }
      assertEquals(r, stored, "the housekeeper wrote the head without another append");
    } finally {
      log.close();
    }
  }

  /**
   * Reads right behind the end are answered from the newest events in memory; whatever they
   * return, through concurrent group commits, retries and pruning, is what the file returns once
   * the store is reopened (when every read is a query).
   */
  @Test
  void readsAnsweredFromMemoryAreWhatTheFileHolds() throws Exception {
    Path d = dir.resolve("recent");
    EventLog log = open(d);
    SqliteEventStore store = (SqliteEventStore) log.store();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      Thread th = new Thread(() -> {
        for (int i = 0; i < 300; i++) {
          List<LogEvent> batch = List.of(identity("did:plc:r" + thread, i), identity("did:plc:s" + thread, i));
          log.append(batch);
          if (i % 7 == 0) {
            log.append(batch); // a retry: answered with the stored seqs, nothing new to hold
          }
        }
      });
      threads.add(th);
      th.start();
    }
    List<List<LoggedEvent>> seen = new ArrayList<>();
    while (threads.stream().anyMatch(Thread::isAlive) && seen.size() < 50_000) {
      long last = log.lastSeq();
      seen.add(log.readAfter(Math.max(0, last - 3), 10)); // what the fan-out does after each commit
    }
    for (Thread t : threads) {
      t.join();
    }
    log.prune(Retention.ofEvents(4_000));
    long last = log.lastSeq();
    List<List<LoggedEvent>> behindTheEnd = new ArrayList<>();
    for (long after = last - 1_100; after <= last; after++) {
      behindTheEnd.add(log.readAfter(after, 40));
    }
    assertTrue(store.readsFromMemory() > 0, "no read was answered from memory");
    log.close();
    EventLog again = open(d);
    try {
      assertEquals(4_800, again.lastSeq());
      for (List<LoggedEvent> read : seen) {
        if (!read.isEmpty() && read.get(0).seq() >= again.oldestSeq()) {
          assertEquals(again.readAfter(read.get(0).seq() - 1, read.size()), read);
        }
      }
      int i = 0;
      for (long after = last - 1_100; after <= last; after++) {
        assertEquals(again.readAfter(after, 40), behindTheEnd.get(i++), "after " + after);
      }
    } finally {
      again.close();
    }
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

  /**
   * The accounts table is written about once a second, so a process killed before that has its
   * heads only in the events: after the restart every account's head is its newest acknowledged
   * commit (an older rev is refused, the same commit again is a retry with its seq), rebuilt from
   * the events' revs and digests.
   */
  @Test
  void headsAndRetriesSurviveSigkillBeforeTheAccountsTableIsWritten() throws Exception {
    Path d = dir.resolve("crash-heads");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), CrashingCommitter.class.getName(), d.toString());
    Process p = pb.start();
    java.util.Map<String, String[]> newest = new java.util.HashMap<>(); // did -> {seq, rev}
    int acked = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        String[] f = line.trim().split(" "); // seq did rev
        newest.put(f[1], new String[] {f[0], f[2]});
        if (++acked == 200) {
          p.destroyForcibly();
          break;
        }
      }
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(200, acked, "child acknowledged enough before the kill");
    EventLog log = open(d);
    try {
      for (java.util.Map.Entry<String, String[]> e : newest.entrySet()) {
        Did did = Did.parse(e.getKey());
        String rev = e.getValue()[1];
        // the newest acknowledged commit, or one the child stored after it before it died
        assertTrue(log.currentRev(did).orElseThrow().compareTo(dev.atsync.syntax.Tid.parse(rev)) >= 0,
            e.getKey() + " head " + log.currentRev(did) + " is at least the acknowledged " + rev);
        if (log.currentRev(did).orElseThrow().toString().equals(rev)) {
          AppendResult retry = log.append(List.of(commit(e.getKey(), rev)));
          assertEquals(List.of(Long.parseLong(e.getValue()[0])), retry.seqs(), "a retry of the head keeps its seq");
          assertEquals(1, retry.duplicates());
        }
        String older = dev.atsync.syntax.Tid.of(1, 0).toString();
        org.junit.jupiter.api.Assertions.assertThrows(StaleRevException.class,
            () -> log.append(List.of(commit(e.getKey(), older))));
      }
    } finally {
      log.close();
    }
  }

  /** The child process of {@link #headsAndRetriesSurviveSigkillBeforeTheAccountsTableIsWritten}. */
  public static final class CrashingCommitter {
    public static void main(String[] args) {
      EventLog log = open(Path.of(args[0]));
      for (long i = 1; ; i++) {
        String did = "did:plc:crash" + (i % 7);
        String rev = dev.atsync.syntax.Tid.of(1_700_000_000_000_000L + i, 0).toString();
        long seq = log.append(List.of(commit(did, rev))).seqs().get(0);
        System.out.println(seq + " " + did + " " + rev);
        System.out.flush();
      }
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
