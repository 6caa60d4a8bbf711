package dev.atsync.inverter.log.jetstream;

import dev.atsync.inverter.log.EventStore.Head;
import dev.atsync.syntax.Did;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The newest head this node knows for recently used accounts, so that planning an append does not
 * cost a request to the server per account. Fed by the server's answers, by this node's own
 * acknowledged publishes and by the tail (every node's appends); an entry only ever moves to a
 * higher seq.
 *
 * <p>A cached head may be behind the stream (another node appended, and this node's tail has not
 * delivered it yet). That is safe: every event with a rev is published with the head's seq as its
 * expected last subject sequence, so a stale head ends in a {@code Conflict}, after which
 * {@link #moved} makes the next lookup of that account ask the server. A stale head is never
 * ahead of the truth, so it can only make an event look newer than it is, never stale.
 *
 * <p>Bounded: at most {@code capacity} accounts, the least recently used dropped first (a dropped
 * account is asked of the server again).
 */
final class HeadCache {
  /** What is known of one account: its head (empty: none) and whether the server must be asked first. */
  private record Known(Optional<Head> head, boolean verify) {
    long seq() {
      return head.map(Head::seq).orElse(0L);
    }
  }

  private final LinkedHashMap<Did, Known> known;

  HeadCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.known = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Did, Known> eldest) {
        return size() > capacity;
      }
    };
  }

  /**
   * The cached head of {@code did}: the outer optional is empty when nothing usable is cached
   * (never seen, dropped, or marked {@link #moved}); the inner one is empty when the account had
   * no head when last read.
   */
  synchronized Optional<Optional<Head>> get(Did did) {
    Known k = known.get(did);
    return k == null || k.verify() ? Optional.empty() : Optional.of(k.head());
  }

  /** The server's answer for {@code did}: taken unless a newer head is already known. */
  synchronized void read(Did did, Optional<Head> head) {
    Known k = known.get(did);
    long seq = head.map(Head::seq).orElse(0L);
    if (k == null || seq >= k.seq()) {
      known.put(did, new Known(head, false));
    } else {
      known.put(did, new Known(k.head(), false)); // a newer head arrived while the server answered
    }
  }

  /** A head stored at {@code head.seq()} (acknowledged here, or tailed): taken if newer. */
  synchronized void stored(Did did, Head head) {
    Known k = known.get(did);
    if (k == null) {
      known.put(did, new Known(Optional.of(head), false));
    } else if (head.seq() > k.seq()) {
      known.put(did, new Known(Optional.of(head), k.verify()));
    }
  }

  /** Another writer moved the account's head: the next lookup asks the server. */
  synchronized void moved(Did did) {
    Known k = known.get(did);
    if (k != null) {
      known.put(did, new Known(k.head(), true));
    }
  }

  /** Forgets everything (after a purge, heads may have left the stream). */
  synchronized void clear() {
    known.clear();
  }

  /** How many accounts are cached. */
  synchronized int size() {
    return known.size();
  }
}
