package dev.atsync.firehose.identity;

import dev.atsync.syntax.Did;
import dev.atsync.crypto.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A bounded, expiring cache in front of another resolver. It is also a {@link KeySource}: a
 * signature check that fails with the cached key triggers one forced refresh (at most once per
 * DID per {@code minRefreshInterval}) and a second try, so key rotation does not make valid
 * commits look forged while forged commits cannot make us hammer the directory.
 */
public final class CachingIdentityResolver implements IdentityResolver, KeySource {
  private record Entry(Identity identity, Instant fetched) {}

  private final IdentityResolver delegate;
  private final Clock clock;
  private final Duration ttl;
  private final Duration minRefreshInterval;
  private final int maxEntries;
  private final Map<Did, Entry> cache;
  private final Map<Did, Instant> lastForced;

  /**
   * @param delegate the resolver that does the work
   * @param ttl how long a resolved identity is served from cache
   * @param maxEntries the cache bound (least recently used evicted)
   * @param minRefreshInterval the least time between two forced refreshes of one DID
   * @param clock the time source (injectable for tests)
   */
  public CachingIdentityResolver(IdentityResolver delegate, Duration ttl, int maxEntries,
      Duration minRefreshInterval, Clock clock) {
    this.delegate = Objects.requireNonNull(delegate);
    this.ttl = Objects.requireNonNull(ttl);
    this.minRefreshInterval = Objects.requireNonNull(minRefreshInterval);
    this.clock = Objects.requireNonNull(clock);
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive");
    }
    this.maxEntries = maxEntries;
    this.cache = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      // qualified: inside this LinkedHashMap subclass a bare Entry is the inherited Map.Entry
      // (javac 17 took the record; javac 25 follows the JLS and refuses the override)
      @Override
      protected boolean removeEldestEntry(Map.Entry<Did, CachingIdentityResolver.Entry> e) {
        return size() > CachingIdentityResolver.this.maxEntries;
      }
    };
    this.lastForced = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Did, Instant> e) {
        return size() > CachingIdentityResolver.this.maxEntries;
      }
    };
  }

  /** With defaults: 1 h TTL, 100 000 entries, 1 min between forced refreshes, system clock. */
  public CachingIdentityResolver(IdentityResolver delegate) {
    this(delegate, Duration.ofHours(1), 100_000, Duration.ofMinutes(1), Clock.systemUTC());
  }

  @Override
  public Identity resolve(Did did) {
    Instant now = clock.instant();
    synchronized (cache) {
      Entry e = cache.get(did);
      if (e != null && now.isBefore(e.fetched().plus(ttl))) {
        return e.identity();
      }
    }
    return fetch(did, now);
  }

  @Override
  public Identity refresh(Did did) {
    Instant now = clock.instant();
    synchronized (cache) {
      lastForced.put(did, now);
    }
    return fetch(did, now);
  }

  private Identity fetch(Did did, Instant now) {
    Identity id = delegate.resolve(did);
    synchronized (cache) {
      cache.put(did, new Entry(id, now));
    }
    return id;
  }

  /**
   * Tests {@code check} with the cached key; if it fails, refreshes once (unless this DID was
   * force-refreshed within {@code minRefreshInterval}) and tests the new key if it changed.
   *
   * @return whether the check passed with a current key
   * @throws IdentityException if the DID cannot be resolved
   */
  @Override
  public boolean verifies(Did did, Predicate<PublicKey> check) {
    Identity id = resolve(did);
    if (check.test(id.signingKey())) {
      return true;
    }
    Instant now = clock.instant();
    synchronized (cache) {
      Instant last = lastForced.get(did);
      if (last != null && now.isBefore(last.plus(minRefreshInterval))) {
        return false;
      }
    }
    Identity fresh = refresh(did);
    if (fresh.signingKey().equals(id.signingKey())) {
      return false;
    }
    return check.test(fresh.signingKey());
  }

  @Override
  public void invalidate(Did did) {
    synchronized (cache) {
      cache.remove(did);
    }
  }

  /** @return the number of cached identities */
  public int size() {
    synchronized (cache) {
      return cache.size();
    }
  }
}
