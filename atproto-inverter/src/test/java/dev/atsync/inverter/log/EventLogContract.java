package dev.atsync.inverter.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an {@link EventLog} must do over every {@link EventStore}: each store's test subclasses this
 * (the policy is one, so this also holds every store to the storage contract).
 */
public abstract class EventLogContract {
  private static final AtomicLong REV = new AtomicLong(1_000_000);
  protected final List<EventLog> opened = new ArrayList<>();

  /** A fresh, empty store whose first seq is at least {@code floor}. */
  protected abstract EventStore createStore(long floor);

  /** A fresh, empty store from seq 1 that reads time (receive times, windows) from {@code clock}; null if it cannot. */
  protected EventStore createStore(Clock clock) {
    return null;
  }

  protected EventLog create(long floor) {
    return EventLog.over(createStore(floor));
  }

  protected EventLog create(Clock clock) {
    EventStore store = createStore(clock);
    return store == null ? null : EventLog.over(store);
  }

  /** A log on {@code clock}, or a skip for logs whose time is kept elsewhere (a NATS server). */
  protected EventLog clocked(Clock clock) {
    EventLog log = create(clock);
    org.junit.jupiter.api.Assumptions.assumeTrue(log != null,
        "this log takes receive times and windows from its server, not from a test clock");
    opened.add(log);
    return log;
  }

  /** A clock the test moves by hand. */
  protected static final class ManualClock extends Clock {
    /** A clock at a fixed point in 2023. */
    public ManualClock() {
    }

    /** The time, in epoch millis. */
    public final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }
  }

  protected EventLog log(long floor) {
    EventLog l = create(floor);
    opened.add(l);
    return l;
  }

  @AfterEach
  void closeAll() {
    for (EventLog l : opened) {
      l.close();
    }
  }

  protected static String rev() {
    return dev.atsync.syntax.Tid.of(1_700_000_000_000_000L + REV.incrementAndGet(), 0).toString();
  }

  protected static LogEvent commit(String did, String rev) {
    return event(did, rev, "#commit", (did + "/" + rev).getBytes(StandardCharsets.UTF_8));
  }

  /** An event with a rev, from strings. */
  protected static LogEvent event(String did, String rev, String type, byte[] frame) {
    return new LogEvent(Did.parse(did), Optional.of(Tid.parse(rev)), type, frame);
  }

  /** An event without a rev, from strings. */
  protected static LogEvent event(String did, String type, byte[] frame) {
    return new LogEvent(Did.parse(did), Optional.empty(), type, frame);
  }

  /** The account's current rev, as a string. */
  protected static Optional<String> currentRev(EventLog log, String did) {
    return log.currentRev(Did.parse(did)).map(Tid::toString);
  }

  /** A {@code #sync}; {@code tag} tells two re-announcements of one rev apart (other bytes). */
  protected static LogEvent sync(String did, String rev, String tag) {
    return event(did, rev, "#sync", (did + "/sync/" + rev + "/" + tag).getBytes(StandardCharsets.UTF_8));
  }

  protected static LogEvent account(String did, int n) {
    return event(did, "#account", (did + "#account" + n).getBytes(StandardCharsets.UTF_8));
  }

  protected static LogEvent identity(String did, int n) {
    return event(did, "#identity", (did + "#" + n).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void assignsStrictlyIncreasingSeqsFromTheFloor() {
    EventLog log = log(1000);
    assertEquals(999, log.lastSeq());
    assertEquals(1000, log.oldestSeq());
    assertEquals(List.of(), log.readAfter(0, 10));
    AppendResult a = log.append(List.of(identity("did:plc:a", 1), identity("did:plc:b", 1)));
    assertEquals(List.of(1000L, 1001L), a.seqs());
    assertEquals(0, a.duplicates());
    assertEquals(List.of(1002L), log.append(List.of(commit("did:plc:a", rev()))).seqs());
    assertEquals(1002, log.lastSeq());
    assertEquals(1000, log.oldestSeq());
    List<LoggedEvent> all = log.readAfter(0, 10);
    assertEquals(List.of(1000L, 1001L, 1002L), all.stream().map(LoggedEvent::seq).toList());
    assertArrayEquals("did:plc:a#1".getBytes(StandardCharsets.UTF_8), all.get(0).frame());
    assertEquals("#identity", all.get(0).type());
    assertEquals(List.of(1002L), log.readAfter(1001, 10).stream().map(LoggedEvent::seq).toList());
    assertEquals(List.of(), log.readAfter(1002, 10));
    assertEquals(1, log.readAfter(999, 1).size());
    assertThrows(IllegalArgumentException.class, () -> log.append(List.of()));
  }

  @Test
  void revsMustIncreasePerAccountAndStaleBatchesStoreNothing() {
    EventLog log = log(1);
    String r1 = rev();
    String r2 = rev();
    String r3 = rev();
    log.append(List.of(commit("did:plc:a", r2)));
    assertEquals(Optional.of(r2), currentRev(log, "did:plc:a"));
    StaleRevException older = assertThrows(StaleRevException.class,
        () -> log.append(List.of(commit("did:plc:a", r1))));
    assertEquals("did:plc:a", older.did().toString());
    assertEquals(r1, older.offeredRev().toString());
    assertEquals(r2, older.currentRev().toString());
    assertThrows(StaleRevException.class, () -> log.append(List.of(event("did:plc:a", r2,
        "#commit", "other bytes".getBytes(StandardCharsets.UTF_8)))));
    // within one batch: the second commit must be after the first, else nothing of it is stored
    long before = log.lastSeq();
    assertThrows(StaleRevException.class, () -> log.append(List.of(identity("did:plc:b", 1),
        commit("did:plc:a", r3), commit("did:plc:a", r1))));
    assertEquals(before, log.lastSeq());
    assertEquals(Optional.of(r2), currentRev(log, "did:plc:a"));
    assertEquals(Optional.empty(), currentRev(log, "did:plc:b"));
    // other accounts are independent
    log.append(List.of(commit("did:plc:b", r1)));
  }

  @Test
  void anUpstreamCursorMovesWithTheEventsItProduced() {
    EventLog log = log(1);
    assertEquals(java.util.OptionalLong.empty(), log.upstreamCursor("ws://pds-a"));
    String r = rev();
    log.append(List.of(identity("did:plc:u", 1), commit("did:plc:u", r)),
        new EventStore.UpstreamPosition("ws://pds-a", 7));
    assertEquals(java.util.OptionalLong.of(7), log.upstreamCursor("ws://pds-a"));
    assertEquals(java.util.OptionalLong.empty(), log.upstreamCursor("ws://pds-b"));
    // a retry of stored events still moves the cursor past them
    long last = log.lastSeq();
    AppendResult again = log.append(List.of(commit("did:plc:u", r)), new EventStore.UpstreamPosition("ws://pds-a", 8));
    assertEquals(1, again.duplicates());
    assertEquals(last, log.lastSeq());
    assertEquals(java.util.OptionalLong.of(8), log.upstreamCursor("ws://pds-a"));
    // a refused event does not move it; skipping past it does
    assertThrows(StaleRevException.class, () -> log.append(List.of(commit("did:plc:u", olderThan(r))),
        new EventStore.UpstreamPosition("ws://pds-a", 9)));
    assertEquals(java.util.OptionalLong.of(8), log.upstreamCursor("ws://pds-a"));
    log.skipUpstream(new EventStore.UpstreamPosition("ws://pds-a", 9));
    assertEquals(java.util.OptionalLong.of(9), log.upstreamCursor("ws://pds-a"));
  }

  /** A rev just before {@code rev}. */
  protected static String olderThan(String rev) {
    Tid t = Tid.parse(rev);
    return Tid.of(t.timestampMicros() - 1, t.clockId()).toString();
  }

  @Test
  void theReferencePdsAccountCreationBatchIsAcceptedWhole() {
    EventLog log = log(1);
    String r = rev();
    // #identity, #account active, the genesis #commit (rev R), the #sync of the same commit (rev R)
    List<LogEvent> batch = List.of(identity("did:plc:new", 1), account("did:plc:new", 1), commit("did:plc:new", r),
        sync("did:plc:new", r, "genesis"));
    AppendResult a = log.append(batch);
    assertEquals(List.of(1L, 2L, 3L, 4L), a.seqs());
    assertEquals(0, a.duplicates());
    assertEquals(Optional.of(r), currentRev(log, "did:plc:new"));
    assertEquals(List.of("#identity", "#account", "#commit", "#sync"),
        log.readAfter(0, 10).stream().map(LoggedEvent::type).toList());
    // a retry of the whole batch: the same seqs, nothing stored
    AppendResult retry = log.append(batch);
    assertEquals(a.seqs(), retry.seqs());
    assertEquals(4, retry.duplicates());
    assertEquals(4, log.lastSeq());
  }

  @Test
  void aSyncWithTheCurrentRevIsStoredWithANewSeq() {
    EventLog log = log(1);
    String r = rev();
    long commitSeq = log.append(List.of(commit("did:plc:a", r))).seqs().get(0);
    // reactivation: #account, #identity, #sync with the current rev, in a separate append
    AppendResult reactivation = log.append(List.of(account("did:plc:a", 1), identity("did:plc:a", 1),
        sync("did:plc:a", r, "reactivation")));
    assertEquals(List.of(commitSeq + 1, commitSeq + 2, commitSeq + 3), reactivation.seqs());
    assertEquals(0, reactivation.duplicates());
    assertEquals(Optional.of(r), currentRev(log, "did:plc:a"));
    assertArrayEquals(sync("did:plc:a", r, "reactivation").frame(), log.readAfter(commitSeq + 2, 1).get(0).frame());
    // another re-announcement of the same rev (other bytes) is stored too
    assertEquals(List.of(commitSeq + 4), log.append(List.of(sync("did:plc:a", r, "again"))).seqs());
    // and a retry of the first one gets its original seq
    AppendResult retry = log.append(List.of(sync("did:plc:a", r, "reactivation")));
    assertEquals(List.of(commitSeq + 3), retry.seqs());
    assertEquals(1, retry.duplicates());
    assertEquals(commitSeq + 4, log.lastSeq());
  }

  @Test
  void aSyncWithAnOlderRevIsRefused() {
    EventLog log = log(1);
    String r1 = rev();
    String r2 = rev();
    log.append(List.of(commit("did:plc:a", r1)));
    log.append(List.of(commit("did:plc:a", r2)));
    long last = log.lastSeq();
    StaleRevException e = assertThrows(StaleRevException.class,
        () -> log.append(List.of(identity("did:plc:a", 7), sync("did:plc:a", r1, "old"))));
    assertEquals(r1, e.offeredRev().toString());
    assertEquals(r2, e.currentRev().toString());
    assertEquals(last, log.lastSeq(), "nothing of the batch is stored");
    assertEquals(Optional.of(r2), currentRev(log, "did:plc:a"));
    // within one batch too
    String r3 = rev();
    assertThrows(StaleRevException.class, () -> log.append(List.of(commit("did:plc:a", r3),
        sync("did:plc:a", r2, "older than the batch's commit"))));
    assertEquals(last, log.lastSeq());
  }

  @Test
  void aCommitWithTheCurrentRevIsRefusedUnlessItIsARetry() {
    EventLog log = log(1);
    String r = rev();
    LogEvent original = commit("did:plc:a", r);
    long seq = log.append(List.of(original)).seqs().get(0);
    LogEvent otherBytes = event("did:plc:a", r, "#commit",
        "a different commit with the same rev".getBytes(StandardCharsets.UTF_8));
    StaleRevException e = assertThrows(StaleRevException.class, () -> log.append(List.of(otherBytes)));
    assertEquals(r, e.offeredRev().toString());
    assertEquals(r, e.currentRev().toString());
    // after a #sync of that rev, the same holds
    log.append(List.of(sync("did:plc:a", r, "s")));
    long last = log.lastSeq();
    assertThrows(StaleRevException.class, () -> log.append(List.of(otherBytes)));
    // a byte-identical retry is answered with its original seq (deduplication before the rev rule)
    AppendResult retry = log.append(List.of(original));
    assertEquals(List.of(seq), retry.seqs());
    assertEquals(1, retry.duplicates());
    // within one batch: a #commit may not repeat the rev of a #sync before it
    String r2 = rev();
    assertThrows(StaleRevException.class, () -> log.append(List.of(sync("did:plc:a", r2, "first"),
        commit("did:plc:a", r2))));
    assertEquals(last, log.lastSeq());
    assertEquals(Optional.of(r), currentRev(log, "did:plc:a"));
  }

  @Test
  void aCommitWithAHigherRevAfterAnEqualRevSyncIsAccepted() {
    EventLog log = log(1);
    String r1 = rev();
    String r2 = rev();
    String r3 = rev();
    log.append(List.of(commit("did:plc:a", r1), sync("did:plc:a", r1, "s1")));
    assertEquals(List.of(3L), log.append(List.of(commit("did:plc:a", r2))).seqs());
    assertEquals(Optional.of(r2), currentRev(log, "did:plc:a"));
    log.append(List.of(sync("did:plc:a", r2, "s2")));
    assertEquals(List.of(5L, 6L), log.append(List.of(commit("did:plc:a", r3), sync("did:plc:a", r3, "s3"))).seqs());
    assertEquals(Optional.of(r3), currentRev(log, "did:plc:a"));
    // a #sync with a higher rev (a rebuilt repository, rotated keys) re-anchors; commits follow it
    String r4 = rev();
    String r5 = rev();
    log.append(List.of(sync("did:plc:a", r4, "rebuilt")));
    assertEquals(Optional.of(r4), currentRev(log, "did:plc:a"));
    log.append(List.of(commit("did:plc:a", r5)));
    assertEquals(Optional.of(r5), currentRev(log, "did:plc:a"));
  }

  @Test
  void retriesAreAnsweredWithTheOriginalSeqs() {
    EventLog log = log(1);
    List<LogEvent> batch = List.of(identity("did:plc:a", 1), commit("did:plc:a", rev()));
    List<Long> first = log.append(batch).seqs();
    long last = log.lastSeq();
    AppendResult retry = log.append(batch);
    assertEquals(first, retry.seqs());
    assertEquals(2, retry.duplicates());
    assertEquals(last, log.lastSeq());
    // a mixed batch stores only the new event
    LogEvent fresh = commit("did:plc:a", rev());
    AppendResult mixed = log.append(List.of(batch.get(1), fresh));
    assertEquals(first.get(1), mixed.seqs().get(0));
    assertEquals(last + 1, mixed.seqs().get(1));
    assertEquals(1, mixed.duplicates());
  }

  @Test
  void prunesByCountAndNeverReusesSeqs() {
    EventLog log = log(1);
    for (int i = 0; i < 10; i++) {
      log.append(List.of(identity("did:plc:a", i)));
    }
    assertEquals(6, log.prune(Retention.ofEvents(4)));
    assertEquals(7, log.oldestSeq());
    assertEquals(List.of(7L, 8L, 9L, 10L), log.readAfter(0, 100).stream().map(LoggedEvent::seq).toList());
    assertEquals(3, log.prune(Retention.ofEvents(1)));
    assertEquals(List.of(11L), log.append(List.of(identity("did:plc:a", 99))).seqs());
  }

  @Test
  void prunesByAgeAndReadsAfterAtTheEdges() {
    ManualClock clock = new ManualClock();
    EventLog log = clocked(clock);
    for (int i = 0; i < 3; i++) {
      log.append(List.of(identity("did:plc:old", i)));
    }
    clock.millis.addAndGet(Duration.ofMinutes(30).toMillis());
    for (int i = 0; i < 2; i++) {
      log.append(List.of(identity("did:plc:new", i)));
    }
    List<LoggedEvent> all = log.readAfter(0, 100);
    assertEquals(clock.millis.get(), all.get(4).receivedAtMillis());
    assertEquals(0, log.prune(Retention.ofAge(Duration.ofHours(1))));
    assertEquals(3, log.prune(Retention.ofAge(Duration.ofMinutes(10))));
    assertEquals(4, log.oldestSeq());
    // a cursor before the window starts at the oldest retained event
    assertEquals(List.of(4L, 5L), log.readAfter(1, 100).stream().map(LoggedEvent::seq).toList());
    assertEquals(List.of(4L), log.readAfter(-5, 1).stream().map(LoggedEvent::seq).toList());
    // at the last seq and beyond: nothing
    assertEquals(List.of(), log.readAfter(5, 100));
    assertEquals(List.of(), log.readAfter(Long.MAX_VALUE, 100));
    assertEquals(all.subList(3, 5), log.readAfter(3, 100));
    // pruning everything by age keeps the seq counter
    clock.millis.addAndGet(Duration.ofHours(2).toMillis());
    assertEquals(2, log.prune(Retention.ofAge(Duration.ofMinutes(10))));
    assertEquals(6, log.oldestSeq());
    assertEquals(5, log.lastSeq());
    assertEquals(List.of(6L), log.append(List.of(identity("did:plc:new", 9))).seqs());
  }

  @Test
  void forgetsRetriesOlderThanTheDedupWindow() {
    ManualClock clock = new ManualClock();
    EventLog log = clocked(clock);
    LogEvent e = identity("did:plc:a", 1);
    long first = log.append(List.of(e)).seqs().get(0);
    clock.millis.addAndGet(Duration.ofMinutes(9).toMillis());
    assertEquals(List.of(first), log.append(List.of(e)).seqs());
    clock.millis.addAndGet(Duration.ofMinutes(2).toMillis());
    AppendResult late = log.append(List.of(e));
    assertEquals(0, late.duplicates());
    assertEquals(first + 1, late.seqs().get(0));
  }

  @Test
  void notifiesListenersAfterAppends() {
    EventLog log = log(1);
    List<Long> seen = new CopyOnWriteArrayList<>();
    log.addAppendListener(seen::add);
    log.append(List.of(identity("did:plc:a", 1)));
    log.append(List.of(identity("did:plc:a", 2), identity("did:plc:a", 3)));
    log.append(List.of(identity("did:plc:a", 1)));
    assertEquals(List.of(1L, 3L), seen);
  }

  @Test
  void concurrentAppendsForOneAccountNeverBothPass() throws Exception {
    EventLog log = log(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<String> revs = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        revs.add(rev());
      }
      List<String> shuffled = new ArrayList<>(revs);
      Collections.shuffle(shuffled, new java.util.Random(7));
      List<Future<?>> futures = new ArrayList<>();
      List<String> acceptedOrder = new CopyOnWriteArrayList<>();
      for (String r : shuffled) {
        futures.add(pool.submit(() -> {
          try {
            log.append(List.of(commit("did:plc:race", r)));
            acceptedOrder.add(r);
          } catch (StaleRevException expected) {
            // lost the race to a later rev
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      List<String> stored = log.readAfter(0, 1000).stream()
          .map(e -> new String(e.frame(), StandardCharsets.UTF_8).substring("did:plc:race/".length())).toList();
      List<String> sorted = new ArrayList<>(stored);
      Collections.sort(sorted);
      assertEquals(sorted, stored, "stored revs strictly increase in seq order");
      assertEquals(stored.size(), new java.util.HashSet<>(stored).size());
      assertTrue(stored.contains(revs.get(revs.size() - 1)) || acceptedOrder.size() == stored.size());
      assertEquals(acceptedOrder.size(), stored.size(), "every acknowledged append is stored once");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void manyConcurrentWritersGetDenseUniqueSeqs() throws Exception {
    EventLog log = log(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<List<Long>>> futures = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          List<Long> mine = new ArrayList<>();
          for (int i = 0; i < 50; i++) {
            mine.addAll(log.append(List.of(commit("did:plc:w" + thread, rev()))).seqs());
          }
          return mine;
        }));
      }
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> f : futures) {
        all.addAll(f.get());
      }
      Collections.sort(all);
      assertEquals(800, all.size());
      for (int i = 0; i < all.size(); i++) {
        assertEquals(i + 1, all.get(i));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
