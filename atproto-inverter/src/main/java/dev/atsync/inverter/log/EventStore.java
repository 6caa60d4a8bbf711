package dev.atsync.inverter.log;

import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Where an {@link EventLog} keeps its events: the storage half of the log, with no ingest policy
 * of its own. {@link EventLog} decides what may be appended (retries recognised by content before
 * the rev rule, whole-batch refusal, per-account rev order); a store only has to append
 * conditionally and atomically, read back in seq order, report each account's head, find a frame
 * by its digest, and keep its window. Implementations: {@link InMemoryEventStore},
 * {@code sqlite.SqliteEventStore} (embedded, durable), {@code jetstream.JetStreamEventStore}
 * (shared by several inverter nodes).
 *
 * <p><b>Seqs</b> are assigned by the store: strictly increasing, never reused, never below the
 * store's floor.
 *
 * <p><b>Failure.</b> Every method that touches storage throws {@link EventLogException} when it
 * cannot do its work (and only then): storage errors, an unreachable server, a closed store.
 *
 * <p>Implementations are thread-safe.
 */
public interface EventStore extends AutoCloseable {
  /**
   * Appends {@code entries} in order, provided that for every account in {@code expectedHeads}
   * the head is still the one given (its {@link Head#seq()}, or 0 for an account with no head):
   * otherwise nothing is stored and the answer is {@link Conflict}. An entry whose digest the
   * store already holds within its deduplication window (or an earlier entry of the same call
   * holds) is not stored again: it answers with the original seq, marked as a duplicate. The
   * newest appended entry with a rev becomes its account's head. With a {@code position}, the
   * upstream's cursor is moved to it in the same write (see {@link #upstreamCursor}).
   *
   * <p>All or nothing: on {@link Conflict} or failure, nothing of the call is stored (the cursor
   * included); a store that cannot promise that (JetStream) says so in its own documentation.
   *
   * @param entries what to append; not empty
   * @param expectedHeads the head seq each affected account must still have
   * @param position the upstream event these entries came from, in pull mode
   * @throws EventLogException if the store cannot append now
   */
  Outcome append(List<Entry> entries, Map<Did, Long> expectedHeads, Optional<UpstreamPosition> position);

  /**
   * The seq of the last event taken from an upstream (a PDS instance the inverter follows), as
   * stored with the appends it produced; empty if the upstream was never followed.
   */
  OptionalLong upstreamCursor(String upstream);

  /** Moves an upstream's cursor without appending (its event was a duplicate, stale or refused). */
  void saveUpstreamCursor(UpstreamPosition position);

  /** The account's newest stored {@code #commit} or {@code #sync}, if any. */
  Optional<Head> head(Did did);

  /**
   * The seq of the frame with this digest, if the store holds it within its deduplication
   * window. Called only for events that look stale, so it may be slow.
   *
   * @param did the frame's account (a store may look there first)
   */
  OptionalLong findStored(Did did, FrameDigest digest);

  /** The highest seq assigned, or {@code floor - 1} before the first append. */
  long lastSeq();

  /** The oldest seq still in the window, or {@code lastSeq() + 1} when the window is empty. */
  long oldestSeq();

  /** Up to {@code max} events with seq above {@code afterSeq}, ascending. */
  List<LoggedEvent> readAfter(long afterSeq, int max);

  /** Called with the new last seq after every durable append (on any node sharing the store). */
  void addAppendListener(LongConsumer listener);

  /** Removes events outside the window; returns how many. */
  int prune(Retention retention);

  /**
   * Whether the store can take appends now, for readiness checks: {@link Status#OK} unless the
   * store knows better. Must not block (it is read on network threads); a store that probes its
   * storage does so in the background and answers from what it last saw.
   */
  default Status status() {
    return Status.OK;
  }

  /** Releases resources. Idempotent. */
  @Override
  void close();

  /**
   * What a store can do now.
   *
   * @param condition the kind of state
   * @param detail what is wrong, with its cause ({@code "ok"} when nothing is)
   */
  record Status(Condition condition, String detail) {
    /** Takes appends. */
    public static final Status OK = new Status(Condition.OK, "ok");

    /** Rejects Java nulls. */
    public Status {
      Objects.requireNonNull(condition, "condition");
      Objects.requireNonNull(detail, "detail");
    }

    /** A status of {@code condition} because of {@code detail}. */
    public static Status of(Condition condition, String detail) {
      return new Status(condition, detail);
    }

    /** Whether the store takes appends. */
    public boolean ok() {
      return condition == Condition.OK;
    }

    /** The kinds of state, from good to worst. */
    public enum Condition {
      /** Takes appends. */
      OK,
      /** Cannot take appends now (full disk, locked file, unreachable server); recovers by itself. */
      UNAVAILABLE,
      /** Stored data is damaged; only an operator can repair it (restore from a copy). */
      CORRUPT,
      /** A worker of the store died; only a restart of the process recovers. */
      FAILED
    }
  }

  /**
   * An account's newest stored event with a rev.
   *
   * @param seq its seq; the value {@link #append} expectations compare
   * @param rev its rev
   * @param digest its frame digest, when known (a retry of the head is recognised by it)
   */
  record Head(long seq, Tid rev, Optional<FrameDigest> digest) {
    /** Rejects Java nulls. */
    public Head {
      Objects.requireNonNull(rev, "rev");
      Objects.requireNonNull(digest, "digest");
    }
  }

  /**
   * Where an upstream's stream stands: the seq of the event taken from it.
   *
   * @param upstream the upstream's name (stable across restarts)
   * @param seq the upstream's own seq of the event
   */
  record UpstreamPosition(String upstream, long seq) {
    /** Rejects Java nulls and negative seqs. */
    public UpstreamPosition {
      Objects.requireNonNull(upstream, "upstream");
      if (seq < 0) {
        throw new IllegalArgumentException("an upstream seq is not negative: " + seq);
      }
    }
  }

  /**
   * One event to append, with its digest computed once.
   *
   * @param event the event
   * @param digest {@code event}'s frame digest
   */
  record Entry(LogEvent event, FrameDigest digest) {
    /** Rejects Java nulls. */
    public Entry {
      Objects.requireNonNull(event, "event");
      Objects.requireNonNull(digest, "digest");
    }

    /** An entry for {@code event}. */
    public static Entry of(LogEvent event) {
      return new Entry(event, event.digest());
    }
  }

  /** What {@link #append} did. */
  sealed interface Outcome permits Appended, Conflict {}

  /**
   * Stored: one seq per entry, in order.
   *
   * @param seqs the seqs
   * @param duplicates for each entry, whether it was already stored (its seq is the original's)
   */
  record Appended(List<Long> seqs, List<Boolean> duplicates) implements Outcome {
    /** Copies; the lists must be as long as each other. */
    public Appended {
      seqs = List.copyOf(seqs);
      duplicates = List.copyOf(duplicates);
      if (seqs.size() != duplicates.size()) {
        throw new IllegalArgumentException("one duplicate flag per seq");
      }
    }
  }

  /**
   * Not stored: these accounts' heads are no longer the expected ones (another writer appended
   * first).
   *
   * @param moved the accounts whose heads moved
   */
  record Conflict(Set<Did> moved) implements Outcome {
    /** Copies. */
    public Conflict {
      moved = Set.copyOf(moved);
    }
  }
}
