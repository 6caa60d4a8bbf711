package dev.atsync.firehose.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.atsync.crypto.PublicKey;
import dev.atsync.syntax.Did;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Predicate;

/**
 * A bounded, expiring cache in front of another resolver, on Caffeine:
 *
 * <ul>
 *   <li><b>One request per DID at a time.</b> Concurrent resolves of a DID that is not cached
 *       wait for one upstream request (a restart that sees every account at once sends one PLC
 *       request per account, not one per event).
 *   <li><b>Negative caching.</b> A failed resolution (not found, malformed document, HTTP or
 *       transport failure) is remembered for {@code negativeTtl} (default 30 s), shorter than a
 *       found identity's {@code ttl} (default 1 h), and answered with the same
 *       {@link IdentityException} kind meanwhile.
 *   <li><b>Refresh ahead.</b> An identity older than {@code refreshAfter} (default 30 min) is
 *       still served while it is fetched again in the background; if that fetch fails, the known
 *       identity is kept until its {@code ttl} runs out.
 *   <li><b>Bounded.</b> At most {@code maxEntries} identities (default 100,000), evicted by
 *       Caffeine's frequency-and-recency policy (W-TinyLFU, not strict LRU).
 * </ul>
 *
 * <p>It is also a {@link KeySource}: a signature check that fails with the cached key triggers one
 * forced refresh (at most once per DID per {@code minRefreshInterval}) and a second try, so key
 * rotation does not make valid commits look forged while forged commits cannot make us hammer the
 * directory.
 */
public final class CachingIdentityResolver implements IdentityResolver, KeySource {
  /** A resolution: an identity or the failure, and when it was fetched (ticker nanos). */
  private record Result(Identity identity, IdentityException failure, long fetchedNanos) {
    boolean failed() {
      return identity == null;
    }
  }

  private final IdentityResolver delegate;
  private final Ticker ticker;
  private final long ttlNanos;
  private final long negativeTtlNanos;
  private final LoadingCache<Did, Result> cache;
  /** The DIDs force-refreshed within {@code minRefreshInterval}. */
  private final Cache<Did, Boolean> recentlyForced;

  /**
   * @param delegate the resolver that does the work
   * @param ttl how long a resolved identity is served from cache
   * @param maxEntries the cache bound
   * @param minRefreshInterval the least time between two forced refreshes of one DID
   * @param clock the time source (injectable for tests)
   */
  public CachingIdentityResolver(IdentityResolver delegate, Duration ttl, int maxEntries,
      Duration minRefreshInterval, Clock clock) {
    this(builder(delegate).ttl(ttl).maxEntries(maxEntries).minRefreshInterval(minRefreshInterval).clock(clock)
        .refreshAfter(ttl.dividedBy(2)).negativeTtl(min(Builder.DEFAULT_NEGATIVE_TTL, ttl)));
  }

  /** With defaults: 1 h TTL, refreshed after 30 min, failures kept 30 s, 100 000 entries, 1 min between forced refreshes. */
  public CachingIdentityResolver(IdentityResolver delegate) {
    this(builder(delegate));
  }

  private CachingIdentityResolver(Builder b) {
    this.delegate = Objects.requireNonNull(b.delegate);
    this.ticker = b.clock == null ? Ticker.systemTicker() : wallClock(b.clock);
    this.ttlNanos = b.ttl.toNanos();
    this.negativeTtlNanos = b.negativeTtl.toNanos();
    this.cache = Caffeine.newBuilder()
        .maximumSize(b.maxEntries)
        .expireAfter(new Expiry<Did, Result>() {
          @Override
          public long expireAfterCreate(Did did, Result r, long now) {
            return remaining(r, now);
          }

          @Override
          public long expireAfterUpdate(Did did, Result r, long now, long current) {
            // a failed refresh puts the old result back: its age, not the refresh, decides
            return remaining(r, now);
          }

          @Override
          public long expireAfterRead(Did did, Result r, long now, long current) {
            return current;
          }
        })
        .refreshAfterWrite(b.refreshAfter)
        .ticker(ticker)
        .executor(b.executor)
        .build(new CacheLoader<Did, Result>() {
          @Override
          public Result load(Did did) {
            return fetch(did);
          }

          @Override
          public Result reload(Did did, Result old) {
            Result fresh = fetch(did);
            return fresh.failed() && !old.failed() ? old : fresh;
          }
        });
    this.recentlyForced = Caffeine.newBuilder()
        .maximumSize(b.maxEntries)
        .expireAfterWrite(b.minRefreshInterval)
        .ticker(ticker)
        .executor(b.executor)
        .build();
  }

  /**
   * A builder over {@code delegate}, with the defaults of {@link #CachingIdentityResolver(IdentityResolver)}.
   *
   * @param delegate the resolver that does the work
   * @return the builder
   */
  public static Builder builder(IdentityResolver delegate) {
    return new Builder(delegate);
  }

  private long remaining(Result r, long now) {
    long life = r.failed() ? negativeTtlNanos : ttlNanos;
    return Math.max(0, life - Math.max(0, now - r.fetchedNanos()));
  }

  /** Asks the delegate; a failure is a result too (cached for the negative TTL). */
  private Result fetch(Did did) {
    long now = ticker.read();
    try {
      return new Result(delegate.resolve(did), null, now);
    } catch (IdentityException e) {
      return new Result(null, e, now);
    }
  }

  @Override
  public Identity resolve(Did did) {
    return unwrap(did, cache.get(did));
  }

  private static Identity unwrap(Did did, Result r) {
    if (r.failed()) {
      IdentityException e = r.failure();
      // a new exception per caller (with this stack), saying the answer is a remembered one
      throw new IdentityException(e.kind(), did, "(cached failure) " + bare(e, did), e);
    }
    return r.identity();
  }

  /** The failure's message without the DID its constructor put in front. */
  private static String bare(IdentityException e, Did did) {
    String m = String.valueOf(e.getMessage());
    String prefix = did + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  /**
   * Resolves {@code did} from the delegate now, bypassing and then updating the cache.
   *
   * @throws IdentityException if the DID cannot be resolved (the cache is left as it was)
   */
  @Override
  public Identity refresh(Did did) {
    recentlyForced.put(did, Boolean.TRUE);
    long now = ticker.read();
    Identity id = delegate.resolve(did);
    cache.put(did, new Result(id, null, now));
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
    if (recentlyForced.asMap().putIfAbsent(did, Boolean.TRUE) != null) {
      // refreshed a moment ago (perhaps by a concurrent check): the cache holds the current key
      Result r = cache.getIfPresent(did);
      return r != null && !r.failed() && !r.identity().signingKey().equals(id.signingKey())
          && check.test(r.identity().signingKey());
    }
    Identity fresh = refresh(did);
    if (fresh.signingKey().equals(id.signingKey())) {
      return false;
    }
    return check.test(fresh.signingKey());
  }

  @Override
  public void invalidate(Did did) {
    cache.invalidate(did);
  }

  /** @return the number of cached resolutions (identities and remembered failures) */
  public int size() {
    cache.cleanUp();
    return (int) Math.min(Integer.MAX_VALUE, cache.estimatedSize());
  }

  private static Ticker wallClock(Clock clock) {
    return () -> {
      Instant i = clock.instant();
      return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    };
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Configures a {@link CachingIdentityResolver}; every setting has a default. */
  public static final class Builder {
    static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(30);

    private final IdentityResolver delegate;
    private Duration ttl = Duration.ofHours(1);
    private Duration negativeTtl = DEFAULT_NEGATIVE_TTL;
    private Duration refreshAfter = Duration.ofMinutes(30);
    private int maxEntries = 100_000;
    private Duration minRefreshInterval = Duration.ofMinutes(1);
    private Clock clock;
    private Executor executor = ForkJoinPool.commonPool();

    private Builder(IdentityResolver delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** How long a resolved identity is served (default 1 h). */
    public Builder ttl(Duration ttl) {
      this.ttl = positive(ttl);
      return this;
    }

    /** How long a failed resolution is remembered and answered with its failure (default 30 s). */
    public Builder negativeTtl(Duration ttl) {
      this.negativeTtl = notNegative(ttl);
      return this;
    }

    /**
     * After how long a served identity is fetched again in the background, while it is still
     * served (default 30 min; at or above the TTL there is no refresh ahead).
     */
    public Builder refreshAfter(Duration after) {
      this.refreshAfter = positive(after);
      return this;
    }

    /** The most cached resolutions (default 100,000). */
    public Builder maxEntries(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxEntries must be positive");
      }
      this.maxEntries = max;
      return this;
    }

    /** The least time between two forced refreshes of one DID by {@link #verifies} (default 1 min). */
    public Builder minRefreshInterval(Duration interval) {
      this.minRefreshInterval = notNegative(interval);
      return this;
    }

    /** The time source (default: the system's monotonic clock); for tests. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Where background refreshes run (default the common fork-join pool); {@code Runnable::run} in tests. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor);
      return this;
    }

    /** Builds the resolver. */
    public CachingIdentityResolver build() {
      return new CachingIdentityResolver(this);
    }

    private static Duration positive(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("must be positive: " + d);
      }
      return d;
    }

    private static Duration notNegative(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("must not be negative: " + d);
      }
      return d;
    }
  }
}
