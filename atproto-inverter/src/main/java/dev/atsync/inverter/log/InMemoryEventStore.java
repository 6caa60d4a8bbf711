package dev.atsync.inverter.log;

import dev.atsync.inverter.internal.DigestIndex;
import dev.atsync.syntax.Did;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * An {@link EventStore} in memory: the same semantics as the durable stores, nothing survives
 * the process. For tests, and for embedders that keep durability elsewhere. Thread-safe (one
 * lock).
 */
public final class InMemoryEventStore implements EventStore {
  private final TreeMap<Long, LoggedEvent> events = new TreeMap<>();
  private final Map<Did, Head> heads = new HashMap<>();
  private final Map<String, Long> cursors = new HashMap<>();
  private final DigestIndex seen;
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final Duration dedupWindow;
  private final Clock clock;
  private long lastSeq;

  /** A store whose first seq is at least {@code seqFloor}, deduplicating for 10 minutes. */
  public InMemoryEventStore(long seqFloor) {
    this(seqFloor, Duration.ofMinutes(10), 1_000_000, Clock.systemUTC());
  }

  /**
   * @param seqFloor lowest seq to assign (at least 1)
   * @param dedupWindow how long an event's content is remembered for retries
   * @param dedupMax most event digests remembered
   * @param clock the clock for receive times and windows
   */
  public InMemoryEventStore(long seqFloor, Duration dedupWindow, int dedupMax, Clock clock) {
    if (seqFloor < 1) {
      throw new IllegalArgumentException("seq floor must be at least 1");
    }
    this.lastSeq = seqFloor - 1;
    this.dedupWindow = dedupWindow;
    this.seen = new DigestIndex(dedupMax);
    this.clock = clock;
  }

  @Override
  public Outcome append(List<Entry> entries, Map<Did, Long> expectedHeads, Optional<UpstreamPosition> position) {
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("nothing to append");
    }
    long last;
    Appended result;
    synchronized (this) {
      Set<Did> moved = new HashSet<>();
      expectedHeads.forEach((did, seq) -> {
        Head h = heads.get(did);
        if ((h == null ? 0L : h.seq()) != seq) {
          moved.add(did);
        }
      });
      if (!moved.isEmpty()) {
        return new Conflict(moved);
      }
      long now = clock.millis();
      expire(now);
      List<Long> seqs = new ArrayList<>(entries.size());
      List<Boolean> dups = new ArrayList<>(entries.size());
      for (Entry entry : entries) {
        long prior = seen.find(entry.digest(), Long.MIN_VALUE);
        if (prior >= 0) {
          seqs.add(prior);
          dups.add(true);
          continue;
        }
        LogEvent e = entry.event();
        long seq = ++lastSeq;
        events.put(seq, new LoggedEvent(seq, e.did(), e.type(), e.frame(), now));
        seen.add(entry.digest(), seq, now);
        if (e.rev().isPresent()) {
          heads.put(e.did(), new Head(seq, e.rev().get(), Optional.of(entry.digest())));
        }
        seqs.add(seq);
        dups.add(false);
      }
      position.ifPresent(p -> cursors.put(p.upstream(), p.seq()));
      last = lastSeq;
      result = new Appended(seqs, dups);
    }
    if (result.duplicates().contains(false)) {
      for (LongConsumer l : listeners) {
        l.accept(last);
      }
    }
    return result;
  }

  private void expire(long now) {
    seen.expire(now - dedupWindow.toMillis());
  }

  @Override
  public synchronized OptionalLong upstreamCursor(String upstream) {
    Long seq = cursors.get(upstream);
    return seq == null ? OptionalLong.empty() : OptionalLong.of(seq);
  }

  @Override
  public synchronized void saveUpstreamCursor(UpstreamPosition position) {
    cursors.put(position.upstream(), position.seq());
  }

  @Override
  public synchronized Optional<Head> head(Did did) {
    return Optional.ofNullable(heads.get(did));
  }

  @Override
  public synchronized OptionalLong findStored(Did did, FrameDigest digest) {
    expire(clock.millis());
    long prior = seen.find(digest, Long.MIN_VALUE);
    return prior < 0 ? OptionalLong.empty() : OptionalLong.of(prior);
  }

  @Override
  public synchronized long lastSeq() {
    return lastSeq;
  }

  @Override
  public synchronized long oldestSeq() {
    return events.isEmpty() ? lastSeq + 1 : events.firstKey();
  }

  @Override
  public synchronized List<LoggedEvent> readAfter(long afterSeq, int max) {
    List<LoggedEvent> out = new ArrayList<>(Math.min(max, 256));
    for (LoggedEvent e : events.tailMap(afterSeq, false).values()) {
      if (out.size() >= max) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public void addAppendListener(LongConsumer listener) {
    listeners.add(listener);
  }

  @Override
  public synchronized int prune(Retention retention) {
    int removed = 0;
    if (retention.maxEvents().isPresent()) {
      while (events.size() > retention.maxEvents().getAsLong()) {
        events.pollFirstEntry();
        removed++;
      }
    }
    if (retention.maxAge().isPresent()) {
      long cutoff = clock.millis() - retention.maxAge().get().toMillis();
      while (!events.isEmpty() && events.firstEntry().getValue().receivedAtMillis() < cutoff) {
        events.pollFirstEntry();
        removed++;
      }
    }
    return removed;
  }

  @Override
  public void close() {
    // nothing to release
  }
}
