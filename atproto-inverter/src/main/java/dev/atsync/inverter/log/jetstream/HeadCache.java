package dev.atsync.inverter.log.jetstream;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atsync.inverter.log.EventStore.Head;
import dev.atsync.syntax.Did;
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
 * <p>Bounded: at most {@code capacity} accounts (Caffeine's size eviction, by recency and
 * frequency; a dropped account is asked of the server again). Each change is one atomic
 * {@code compute}, so concurrent answers merge: an entry only moves to a higher seq.
 */
final class HeadCache {
  /** What is known of one account: its head (empty: none) and whether the server must be asked first. */
  private record Known(Optional<Head> head, boolean verify) {
    long seq() {
      return head.map(Head::seq).orElse(0L);
    }
  }

  private final Cache<Did, Known> known;

  HeadCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    // evictions run on the calling thread: the bound holds without a background task
    this.known = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
  }

  /**
   * The cached head of {@code did}: the outer optional is empty when nothing usable is cached
   * (never seen, dropped, or marked {@link #moved}); the inner one is empty when the account had
   * no head when last read.
   */
  Optional<Optional<Head>> get(Did did) {
    Known k = known.getIfPresent(did);
    return k == null || k.verify() ? Optional.empty() : Optional.of(k.head());
  }

  /** The server's answer for {@code did}: taken unless a newer head is already known. */
  void read(Did did, Optional<Head> head) {
    long seq = head.map(Head::seq).orElse(0L);
    known.asMap().compute(did, (d, k) -> k == null || seq >= k.seq()
        ? new Known(head, false)
        : new Known(k.head(), false)); // a newer head arrived while the server answered
  }

  /** A head stored at {@code head.seq()} (acknowledged here, or tailed): taken if newer. */
  void stored(Did did, Head head) {
    known.asMap().compute(did, (d, k) -> k == null ? new Known(Optional.of(head), false)
        : head.seq() > k.seq() ? new Known(Optional.of(head), k.verify()) : k);
  }

  /** Another writer moved the account's head: the next lookup asks the server. */
  void moved(Did did) {
    known.asMap().computeIfPresent(did, (d, k) -> new Known(k.head(), true));
  }

  /** Forgets everything (after a purge, heads may have left the stream). */
  void clear() {
    known.invalidateAll();
  }

  /** How many accounts are cached. */
  int size() {
    known.cleanUp();
    return (int) known.estimatedSize();
  }
}
