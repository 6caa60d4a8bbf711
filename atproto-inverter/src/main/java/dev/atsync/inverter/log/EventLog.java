package dev.atsync.inverter.log;

import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * The inverter's durable, seq-ordered event log: the ingest policy, over an {@link EventStore}
 * that keeps the events. The policy is here once, whatever the store:
 *
 * <ul>
 *   <li><b>Retries first.</b> An event whose exact frame is already stored (within the store's
 *       deduplication window) is not stored again and answers with its original seq; this is
 *       checked before the rev rule, so a retry never looks stale.
 *   <li><b>The rev rule</b>, per account, against the account's head and the batch's earlier
 *       events: a {@code #commit} must have a rev strictly above the current rev; a {@code #sync}
 *       a rev at or above it (the same rev is the re-announcement the reference PDS sends after an
 *       account's genesis commit and on reactivation: stored and served with a new seq); anything
 *       older is refused with {@link StaleRevException}, and so is a {@code #commit} with the
 *       current rev that is not a byte-identical retry. The reference PDS's account-creation batch
 *       ({@code #identity}, {@code #account}, {@code #commit} at rev R, {@code #sync} at rev R) is
 *       accepted whole.
 *   <li><b>All or nothing.</b> A refused event refuses its whole batch. The checks and the append
 *       are atomic per account: the store appends only if each account's head is still the one
 *       the checks saw, and the log checks again when another writer (a concurrent post, another
 *       inverter node) got there first.
 * </ul>
 *
 * <pre>{@code
 * EventLog log = EventLog.over(SqliteEventStore.open(dataDir, SqliteEventStore.Settings.DEFAULT));
 * AppendResult r = log.append(List.of(new LogEvent(did, Optional.of(rev), "#commit", frame)));
 * }</pre>
 *
 * <p>Failures: {@link StaleRevException} for the rev rule, {@link EventLogException} when the
 * store cannot work, {@link IllegalArgumentException} for an empty batch. The log owns its store
 * and closes it. Thread-safe.
 */
public final class EventLog implements AutoCloseable {
  /** Lost races before an append gives up (each loss means another writer made progress). */
  private static final int MAX_ATTEMPTS = 1000;

  private final EventStore store;

  private EventLog(EventStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /** The log over {@code store}, which it then owns. */
  public static EventLog over(EventStore store) {
    return new EventLog(store);
  }

  /** A log in memory with seqs from 1: for tests and for embedders that keep durability elsewhere. */
  public static EventLog inMemory() {
    return over(new InMemoryEventStore(1));
  }

  /** The store under this log. */
  public EventStore store() {
    return store;
  }

  /**
   * Appends a batch atomically and durably (as durable as the store promises).
   *
   * @return one seq per event, in order, and how many were retries of stored events
   * @throws StaleRevException if an event breaks the rev rule (nothing stored)
   * @throws EventLogException if the store cannot append now (nothing stored)
   * @throws IllegalArgumentException if the batch is empty
   */
  public AppendResult append(List<LogEvent> batch) {
    return append(batch, Optional.empty());
  }

  /**
   * As {@link #append(List)}, for events taken from an upstream in pull mode: the upstream's
   * cursor moves to {@code position} in the same write as the events (so a restart resumes right
   * after them, with nothing lost and nothing twice), and also when every event was a retry.
   */
  public AppendResult append(List<LogEvent> batch, EventStore.UpstreamPosition position) {
    return append(batch, Optional.of(position));
  }

  private AppendResult append(List<LogEvent> batch, Optional<EventStore.UpstreamPosition> position) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    List<EventStore.Entry> entries = new ArrayList<>(batch.size());
    for (LogEvent e : batch) {
      entries.add(EventStore.Entry.of(e));
    }
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Plan plan = plan(entries);
      if (plan.toStore.isEmpty()) {
        position.ifPresent(store::saveUpstreamCursor);
        return plan.result(null);
      }
      EventStore.Outcome outcome = store.append(plan.toStoreEntries(entries), plan.expected, position);
      if (outcome instanceof EventStore.Appended a) {
        return plan.result(a);
      }
      // another writer moved an account's head since the checks: check again against the new head
    }
    throw new EventLogException("gave up after " + MAX_ATTEMPTS + " appends lost the race for the same accounts");
  }

  /** What to store, what is already stored, and the heads the checks relied on. */
  private static final class Plan {
    final long[] seqs;
    final boolean[] duplicate;
    final List<Integer> toStore = new ArrayList<>();
    final Map<Did, Long> expected = new HashMap<>();

    Plan(int n) {
      seqs = new long[n];
      duplicate = new boolean[n];
    }

    List<EventStore.Entry> toStoreEntries(List<EventStore.Entry> entries) {
      List<EventStore.Entry> out = new ArrayList<>(toStore.size());
      for (int i : toStore) {
        out.add(entries.get(i));
      }
      return out;
    }

    AppendResult result(EventStore.Appended stored) {
      for (int k = 0; k < toStore.size(); k++) {
        int i = toStore.get(k);
        seqs[i] = stored.seqs().get(k);
        duplicate[i] = stored.duplicates().get(k);
      }
      List<Long> out = new ArrayList<>(seqs.length);
      int dups = 0;
      for (int i = 0; i < seqs.length; i++) {
        out.add(seqs[i]);
        dups += duplicate[i] ? 1 : 0;
      }
      return new AppendResult(out, dups);
    }
  }

  private Plan plan(List<EventStore.Entry> entries) {
    Plan plan = new Plan(entries.size());
    Map<Did, Optional<EventStore.Head>> heads = new HashMap<>();
    Map<Did, Tid> pending = new HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      EventStore.Entry entry = entries.get(i);
      LogEvent e = entry.event();
      if (e.rev().isEmpty()) {
        plan.toStore.add(i); // no rev rule; the store recognises a retry by its digest
        continue;
      }
      Did did = e.did();
      Tid rev = e.rev().get();
      Optional<EventStore.Head> head = heads.computeIfAbsent(did, store::head);
      Tid current = pending.get(did);
      if (current == null && head.isPresent()) {
        EventStore.Head h = head.get();
        if (h.digest().filter(entry.digest()::equals).isPresent()) {
          plan.seqs[i] = h.seq(); // a retry of the account's newest event
          plan.duplicate[i] = true;
          continue;
        }
        current = h.rev();
      }
      if (!RevRule.allows(e.type(), rev, current)) {
        OptionalLong original = store.findStored(did, entry.digest());
        if (original.isEmpty()) {
          throw new StaleRevException(did, e.type(), rev, current);
        }
        plan.seqs[i] = original.getAsLong(); // a retry of an older event
        plan.duplicate[i] = true;
        continue;
      }
      pending.put(did, rev);
      plan.expected.putIfAbsent(did, head.map(EventStore.Head::seq).orElse(0L));
      plan.toStore.add(i);
    }
    return plan;
  }

  /** The highest seq assigned, or {@code floor - 1} before the first append. */
  public long lastSeq() {
    return store.lastSeq();
  }

  /** The oldest seq still in the window, or {@code lastSeq() + 1} when the window is empty. */
  public long oldestSeq() {
    return store.oldestSeq();
  }

  /** Up to {@code max} events with seq above {@code afterSeq}, ascending. */
  public List<LoggedEvent> readAfter(long afterSeq, int max) {
    return store.readAfter(afterSeq, max);
  }

  /** Where the log stands in an upstream's stream; see {@link EventStore#upstreamCursor}. */
  public OptionalLong upstreamCursor(String upstream) {
    return store.upstreamCursor(upstream);
  }

  /** Moves an upstream's cursor past an event that was not appended (refused or stale). */
  public void skipUpstream(EventStore.UpstreamPosition position) {
    store.saveUpstreamCursor(position);
  }

  /** The account's current rev: that of its newest stored {@code #commit} or {@code #sync}. */
  public Optional<Tid> currentRev(Did did) {
    return store.head(did).map(EventStore.Head::rev);
  }

  /** Called with the new last seq after every durable append (on any node sharing the store). */
  public void addAppendListener(LongConsumer listener) {
    store.addAppendListener(listener);
  }

  /** Removes events outside the window; returns how many. */
  public int prune(Retention retention) {
    return store.prune(retention);
  }

  /** Whether the store can take appends now (see {@link EventStore#status()}); never blocks. */
  public EventStore.Status status() {
    return store.status();
  }

  /** Closes the store. Idempotent. */
  @Override
  public void close() {
    store.close();
  }
}
