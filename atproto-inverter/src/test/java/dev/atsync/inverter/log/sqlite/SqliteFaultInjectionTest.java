package dev.atsync.inverter.log.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.atsync.inverter.log.AppendResult;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 17, "the log never lies": a storage failure at any statement of a group commit (and of
 * the recovery after it) leaves nothing of the failed appends in the file, the store's state
 * matches the file before the next append, and an append that returns stored all of its events.
 */
class SqliteFaultInjectionTest {
  private static final AtomicLong REV = new AtomicLong(1_000_000);

  @TempDir
  Path dir;

  static String rev() {
    return Tid.of(1_700_000_000_000_000L + REV.incrementAndGet(), 0).toString();
  }

  static LogEvent commit(String did, String rev) {
    return new LogEvent(Did.parse(did), Optional.of(Tid.parse(rev)), "#commit",
        (did + "/" + rev).getBytes(StandardCharsets.UTF_8));
  }

  static LogEvent identity(String did, int n) {
    return new LogEvent(Did.parse(did), Optional.empty(), "#identity", (did + " identity " + n).getBytes(
        StandardCharsets.UTF_8));
  }

  record Opened(EventLog log, SqliteEventStore store, FaultyJdbc faults, Path dir) {}

  Opened open(String name) {
    return open(name, false);
  }

  /** @param headsEveryCommit whether every commit also writes the accounts table (else about once a second) */
  Opened open(String name, boolean headsEveryCommit) {
    FaultyJdbc f = new FaultyJdbc();
    Path d = dir.resolve(name);
    SqliteEventStore s = SqliteEventStore.open(d, new SqliteEventStore.Settings(1, Retention.FOREVER,
        Duration.ofMinutes(10), Duration.ofHours(1)), Clock.systemUTC(), f::wrap);
    f.writing = s::writing;
    if (headsEveryCommit) {
      s.writeHeadsWithEveryCommit();
    }
    return new Opened(EventLog.over(s), s, f, d);
  }

  /**
   * What the file holds, read on a connection of its own, as a restart derives it: the last seq
   * is the higher of the stored high-water mark and the newest event; the heads are the accounts
   * table brought up to date by the events after the seq it was written at.
   */
  record FileState(long lastSeq, long events, Map<String, String> revs) {}

  static FileState file(Path d) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + d.resolve("events.db"));
        Statement s = c.createStatement()) {
      long last;
      try (ResultSet rs = s.executeQuery("SELECT MAX(COALESCE((SELECT value FROM meta WHERE key = 'last_seq'), 0),"
          + " COALESCE((SELECT MAX(seq) FROM events), 0))")) {
        last = rs.next() ? rs.getLong(1) : 0;
      }
      long n;
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
        n = rs.next() ? rs.getLong(1) : 0;
      }
      Map<String, String> revs = new HashMap<>();
      try (ResultSet rs = s.executeQuery("SELECT did, rev FROM accounts")) {
        while (rs.next()) {
          revs.put(rs.getString(1), rs.getString(2));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT did, rev FROM events WHERE rev IS NOT NULL AND seq >"
          + " (SELECT value FROM meta WHERE key = 'heads_seq') ORDER BY seq")) {
        while (rs.next()) {
          revs.put(rs.getString(1), rs.getString(2));
        }
      }
      return new FileState(last, n, revs);
    }
  }

  /** How many counted calls one group commit of {@code batch} makes on a healthy store. */
  int callsOf(List<LogEvent> setup, List<LogEvent> batch, boolean headsEveryCommit) {
    Opened o = open("count-" + headsEveryCommit, headsEveryCommit);
    try {
      o.log().append(setup);
      int before = o.faults().calls.get();
      o.log().append(batch);
      return o.faults().calls.get() - before;
    } finally {
      o.log().close();
    }
  }

  @ParameterizedTest
  @EnumSource(FaultyJdbc.Mode.class)
  void aFailureAtAnyStatementOfAGroupCommitStoresNothing(FaultyJdbc.Mode mode) throws Exception {
    String r1 = rev();
    List<LogEvent> setup = List.of(identity("did:plc:zero", 0), commit("did:plc:a", r1));
    String r2 = rev();
    String r3 = rev();
    List<LogEvent> batch = List.of(commit("did:plc:a", r2), identity("did:plc:b", 1), commit("did:plc:c", r3));
    for (boolean headsEveryCommit : new boolean[] {false, true}) {
      failEachCallOfAGroupCommit(mode, setup, batch, r1, r2, r3, headsEveryCommit);
    }
  }

  private void failEachCallOfAGroupCommit(FaultyJdbc.Mode mode, List<LogEvent> setup, List<LogEvent> batch,
      String r1, String r2, String r3, boolean headsEveryCommit) throws Exception {
    int k = callsOf(setup, batch, headsEveryCommit);
    // the events' insert and the commit; with the accounts table, its heads and two meta rows too
    assertTrue(k >= (headsEveryCommit ? 5 : 2), "a group commit makes " + k + " calls");
    for (int n = 1; n <= k; n++) {
      Opened o = open(mode + "-" + headsEveryCommit + "-" + n, headsEveryCommit);
      try {
        o.log().append(setup);
        FileState before = file(o.dir());
        o.faults().arm(n, 1, mode);
        try {
          o.log().append(batch);
          fail("call " + n + " of " + k + " failed, yet the append succeeded: " + o.faults().trace);
        } catch (EventLogException expected) {
          // answered as not stored
        }
        assertEquals(1, o.faults().failuresInjected());
        assertEquals(before, file(o.dir()), "call " + n + ": nothing of the failed append is in the file");
        assertEquals(2, o.log().lastSeq(), "call " + n);
        assertEquals(Optional.of(Tid.parse(r1)), o.log().currentRev(Did.parse("did:plc:a")), "call " + n);
        // the next append starts from the truth
        AppendResult r = o.log().append(batch);
        assertEquals(List.of(3L, 4L, 5L), r.seqs(), "call " + n + ": seqs go on from the file's last");
        FileState after = file(o.dir());
        assertEquals(5, after.lastSeq());
        assertEquals(5, after.events());
        assertEquals(r2, after.revs().get("did:plc:a"));
        assertEquals(r3, after.revs().get("did:plc:c"));
        assertEquals(EventStore.Status.OK, o.store().status());
        // and the one after that too (the connection is back in transaction mode)
        assertEquals(List.of(6L), o.log().append(List.of(identity("did:plc:d", 2))).seqs());
        assertEquals(6, file(o.dir()).events());
      } finally {
        o.log().close();
      }
    }
  }

  /**
   * The housekeeper writes the accounts table on its own while the log is idle; when that write
   * fails, the store says it cannot write, stores nothing half, and the next append recovers
   * from the file (the heads replayed from the events) and goes on.
   */
  @ParameterizedTest
  @EnumSource(FaultyJdbc.Mode.class)
  void aFailedHeadsWriteWhileIdleIsRecoveredFrom(FaultyJdbc.Mode mode) throws Exception {
    Opened o = open("idle-heads-" + mode);
    try {
      String r1 = rev();
      o.log().append(List.of(commit("did:plc:h", r1)));
      int traced = o.faults().trace.size();
      // every write under the lock fails from now (the housekeeper's heads write first, then its
      // recovery attempts), until disarmed
      o.faults().arm(1, Integer.MAX_VALUE / 2, mode);
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (o.faults().failuresInjected() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(o.faults().failuresInjected() > 0, "the housekeeper wrote the heads (and failed)");
      String failed = o.faults().trace.get(traced);
      assertTrue(failed.endsWith(" executeBatch"), "the first failed call was the heads batch: " + o.faults().trace);
      assertEquals(EventStore.Status.Condition.UNAVAILABLE, o.store().status().condition());
      FileState before = file(o.dir());
      assertEquals(Map.of("did:plc:h", r1), before.revs(), "the file still derives the head from the event");
      o.faults().disarm();
      String r2 = rev();
      assertEquals(List.of(2L), o.log().append(List.of(commit("did:plc:h", r2))).seqs());
      assertEquals(Optional.of(Tid.parse(r2)), o.log().currentRev(Did.parse("did:plc:h")));
      assertEquals(EventStore.Status.OK, o.store().status());
      assertEquals(Map.of("did:plc:h", r2), file(o.dir()).revs());
    } finally {
      o.log().close();
    }
  }

  @ParameterizedTest
  @EnumSource(FaultyJdbc.Mode.class)
  void aFailureDuringRecoveryStoresNothingEither(FaultyJdbc.Mode mode) throws Exception {
    List<LogEvent> batch = List.of(identity("did:plc:x", 1), identity("did:plc:y", 1));
    for (int recoveryCall = 1; recoveryCall <= 8; recoveryCall++) {
      Opened o = open("rec-" + mode + "-" + recoveryCall);
      try {
        o.log().append(List.of(identity("did:plc:zero", 0)));
        FileState before = file(o.dir());
        o.faults().arm(1, 1, mode);
        assertFailsAndStoresNothing(o, batch, before);
        // the recovery before the next append fails too; that append is refused, and stores nothing
        o.faults().arm(recoveryCall, 1, mode);
        try {
          o.log().append(batch);
        } catch (EventLogException e) {
          // refused: fine, as long as nothing was stored
        }
        o.faults().disarm();
        long last = o.log().lastSeq();
        FileState now = file(o.dir());
        assertEquals(now.lastSeq(), Math.max(1, last), "the store's last seq is the file's");
        AppendResult r = o.log().append(List.of(identity("did:plc:z", recoveryCall)));
        assertEquals(List.of(now.lastSeq() + 1), r.seqs());
        assertEquals(now.events() + 1, file(o.dir()).events());
      } finally {
        o.log().close();
      }
    }
  }

  private static void assertFailsAndStoresNothing(Opened o, List<LogEvent> batch, FileState before) throws Exception {
    try {
      o.log().append(batch);
      fail("the append succeeded despite the failure");
    } catch (EventLogException expected) {
      // not stored
    }
    assertEquals(before, file(o.dir()));
  }

  /**
   * Concurrent appends share group commits while failures are injected every few calls: each
   * append that returned has all of its events in the file under the seqs it was given; each
   * that threw has none.
   */
  @Test
  void underConcurrentGroupCommitsAnAnswerIsTheTruth() throws Exception {
    for (FaultyJdbc.Mode mode : FaultyJdbc.Mode.values()) {
      Opened o = open("concurrent-" + mode);
      Map<String, Long> acknowledged = new ConcurrentHashMap<>();
      Map<String, Boolean> refused = new ConcurrentHashMap<>();
      List<Thread> threads = new ArrayList<>();
      Thread injector = new Thread(() -> {
        java.util.Random rnd = new java.util.Random(7);
        while (!Thread.currentThread().isInterrupted()) {
          o.faults().arm(1 + rnd.nextInt(12), 1, mode);
          try {
            Thread.sleep(3);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      injector.start();
      for (int t = 0; t < 6; t++) {
        int id = t;
        Thread th = new Thread(() -> {
          for (int i = 0; i < 60; i++) {
            String key = id + "-" + i;
            LogEvent e = identity("did:plc:t" + id, i);
            try {
              acknowledged.put(key, o.log().append(List.of(e)).seqs().get(0));
            } catch (EventLogException x) {
              refused.put(key, true);
            }
          }
        });
        threads.add(th);
        th.start();
      }
      for (Thread th : threads) {
        th.join();
      }
      injector.interrupt();
      injector.join();
      o.faults().disarm();
      try {
        assertTrue(o.faults().failuresInjected() > 0, "failures were injected");
        assertFalse(refused.isEmpty(), "some appends were refused");
        Map<String, Long> inFile = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + o.dir().resolve("events.db"));
            Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT seq, frame FROM events")) {
          while (rs.next()) {
            String frame = new String(rs.getBytes(2), StandardCharsets.UTF_8);
            String[] p = frame.split(" ");
            inFile.put(p[0].substring("did:plc:t".length()) + "-" + p[2], rs.getLong(1));
          }
        }
        for (Map.Entry<String, Long> a : acknowledged.entrySet()) {
          assertEquals(a.getValue(), inFile.get(a.getKey()), "acknowledged " + a.getKey() + " is stored at its seq");
        }
        for (String r : refused.keySet()) {
          assertFalse(inFile.containsKey(r), "refused " + r + " is not stored (mode " + mode + ")");
        }
        assertEquals(acknowledged.size(), inFile.size());
        assertEquals(file(o.dir()).lastSeq(), o.log().lastSeq());
      } finally {
        o.log().close();
      }
    }
  }
}
