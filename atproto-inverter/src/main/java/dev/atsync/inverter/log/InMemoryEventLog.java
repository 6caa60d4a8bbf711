package dev.atsync.inverter.log;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * An {@link EventLog} in memory: same semantics as the durable logs, nothing survives the
 * process. For tests, and for embedders that keep durability elsewhere. Thread-safe.
 */
public final class InMemoryEventLog implements EventLog {
  private final TreeMap<Long, LoggedEvent> events = new TreeMap<>();
  private final Map<String, String> revs = new HashMap<>();
  private final LinkedHashMap<ByteBuffer, long[]> seen = new LinkedHashMap<>();
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final Duration dedupWindow;
  private final int dedupMax;
  private final Clock clock;
  private long lastSeq;

  /** A log whose first seq is at least {@code seqFloor}, deduplicating for 10 minutes. */
  public InMemoryEventLog(long seqFloor) {
    this(seqFloor, Duration.ofMinutes(10), 1_000_000, Clock.systemUTC());
  }

  /**
   * @param seqFloor lowest seq to assign
   * @param dedupWindow how long an event's content is remembered for retries
   * @param dedupMax most event digests remembered
   * @param clock the clock for receive times and windows
   */
  public InMemoryEventLog(long seqFloor, Duration dedupWindow, int dedupMax, Clock clock) {
    if (seqFloor < 1) {
      throw new IllegalArgumentException("seq floor must be at least 1");
    }
    this.lastSeq = seqFloor - 1;
    this.dedupWindow = dedupWindow;
    this.dedupMax = dedupMax;
    this.clock = clock;
  }

  @Override
  public AppendResult append(List<LogEvent> batch) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    long last;
    AppendResult result;
    synchronized (this) {
      long now = clock.millis();
      expireDedup(now);
      List<Long> seqs = new ArrayList<>(batch.size());
      Map<String, String> pending = new HashMap<>();
      ByteBuffer[] keys = new ByteBuffer[batch.size()];
      int dups = 0;
      for (int i = 0; i < batch.size(); i++) {
        LogEvent e = batch.get(i);
        keys[i] = ByteBuffer.wrap(Sha256.of(e.frame()));
        long[] prior = seen.get(keys[i]);
        if (prior != null) {
          seqs.add(prior[0]);
          dups++;
          keys[i] = null;
          continue;
        }
        seqs.add(null);
        if (e.rev().isPresent()) {
          String current = pending.containsKey(e.did()) ? pending.get(e.did()) : revs.get(e.did());
          String rev = e.rev().get();
          if (!RevRule.allows(e.type(), rev, current)) {
            throw new StaleRevException(e.did(), rev, current);
          }
          pending.put(e.did(), rev);
        }
      }
      for (int i = 0; i < batch.size(); i++) {
        if (keys[i] == null) {
          continue;
        }
        LogEvent e = batch.get(i);
        long seq = ++lastSeq;
        events.put(seq, new LoggedEvent(seq, e.did(), e.type(), e.frame(), now));
        seen.put(keys[i], new long[] {seq, now});
        seqs.set(i, seq);
      }
      revs.putAll(pending);
      while (seen.size() > dedupMax) {
        Iterator<?> it = seen.keySet().iterator();
        it.next();
        it.remove();
      }
      last = lastSeq;
      result = new AppendResult(seqs, dups);
    }
    if (result.duplicates() < batch.size()) {
      for (LongConsumer l : listeners) {
        l.accept(last);
      }
    }
    return result;
  }

  private void expireDedup(long now) {
    Iterator<long[]> it = seen.values().iterator();
    while (it.hasNext() && now - it.next()[1] > dedupWindow.toMillis()) {
      it.remove();
    }
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
  public synchronized Optional<String> currentRev(String did) {
    return Optional.ofNullable(revs.get(did));
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
