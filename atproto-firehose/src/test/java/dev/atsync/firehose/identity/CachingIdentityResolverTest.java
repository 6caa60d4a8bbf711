package dev.atsync.firehose.identity;

import static org.junit.jupiter.api.Assertions.*;

import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.crypto.PublicKey;
import dev.atsync.firehose.identity.IdentityException.Kind;
import dev.atsync.syntax.Did;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The Caffeine-backed cache, against a resolver that counts its calls. */
class CachingIdentityResolverTest {
  static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");

  /** Answers from a mutable map (absent: NOT_FOUND), counting calls per DID; can be held at a gate. */
  static final class CountingResolver implements IdentityResolver {
    final Map<Did, PublicKey> keys = new ConcurrentHashMap<>();
    final Map<Did, AtomicInteger> calls = new ConcurrentHashMap<>();
    final AtomicInteger total = new AtomicInteger();
    volatile CountDownLatch gate;
    volatile boolean failing;

    @Override
    public Identity resolve(Did did) {
      calls.computeIfAbsent(did, d -> new AtomicInteger()).incrementAndGet();
      total.incrementAndGet();
      CountDownLatch g = gate;
      if (g != null) {
        try {
          assertTrue(g.await(30, TimeUnit.SECONDS), "gate released");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (failing) {
        throw new IdentityException(Kind.HTTP_ERROR, did, "directory answered 502");
      }
      PublicKey k = keys.get(did);
      if (k == null) {
        throw new IdentityException(Kind.NOT_FOUND, did, "no such DID");
      }
      return new Identity(did, Optional.empty(), k, Optional.empty());
    }

    int calls(Did did) {
      AtomicInteger n = calls.get(did);
      return n == null ? 0 : n.get();
    }
  }

  final CountingResolver upstream = new CountingResolver();
  final IdentityResolverTest.MutableClock clock = new IdentityResolverTest.MutableClock();

  static PublicKey newKey() {
    return PrivateKey.generate(Curve.P256).publicKey();
  }

  void advance(Duration d) {
    clock.now = clock.now.plus(d);
  }

  @Test
  void concurrentResolvesOfOneDidMakeOneUpstreamCall() throws Exception {
    upstream.keys.put(DID, newKey());
    upstream.gate = new CountDownLatch(1);
    CachingIdentityResolver cache = CachingIdentityResolver.builder(upstream).build();
    int n = 16;
    CyclicBarrier start = new CyclicBarrier(n);
    List<Thread> threads = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Identity> results = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          results.add(cache.resolve(DID));
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      threads.add(t);
      t.start();
    }
    // hold the one upstream call until every other thread is parked waiting for its result
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      int parked = 0;
      for (Thread t : threads) {
        Thread.State s = t.getState();
        if (s == Thread.State.BLOCKED || s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
          parked++;
        }
      }
      if (parked == n && upstream.total.get() >= 1) {
        break; // the loader waits at the gate, the others on the loader
      }
      assertTrue(System.nanoTime() < deadline, "threads parked: " + parked);
      Thread.sleep(5);
    }
    upstream.gate.countDown();
    for (Thread t : threads) {
      t.join(30_000);
    }
    assertNull(failure.get());
    assertEquals(n, results.size());
    assertEquals(1, upstream.calls(DID), "one upstream request for " + n + " concurrent resolves");
    assertEquals(1, results.stream().distinct().count());
  }

  @Test
  void failuresAreCachedForTheShorterNegativeTtl() {
    CachingIdentityResolver cache = CachingIdentityResolver.builder(upstream).clock(clock)
        .ttl(Duration.ofHours(1)).negativeTtl(Duration.ofSeconds(30)).executor(Runnable::run).build();
    IdentityException first = assertThrows(IdentityException.class, () -> cache.resolve(DID));
    assertEquals(Kind.NOT_FOUND, first.kind());
    IdentityException second = assertThrows(IdentityException.class, () -> cache.resolve(DID));
    assertEquals(Kind.NOT_FOUND, second.kind());
    assertEquals(DID, second.did());
    assertTrue(second.getMessage().contains("cached"), second.getMessage());
    assertEquals(1, upstream.calls(DID), "the failure is remembered");
    // a key source answers the remembered failure the same way
    assertThrows(IdentityException.class, () -> cache.verifies(DID, k -> true));
    assertEquals(1, upstream.calls(DID));

    upstream.keys.put(DID, newKey());
    advance(Duration.ofSeconds(31));
    assertEquals(upstream.keys.get(DID), cache.resolve(DID).signingKey());
    assertEquals(2, upstream.calls(DID), "asked again once the negative TTL ran out");
    advance(Duration.ofMinutes(20));
    cache.resolve(DID);
    assertEquals(2, upstream.calls(DID), "a found identity lives the whole TTL");
  }

  /** Runs what it is given when told to: a refresh in flight can be observed. */
  static final class Deferred implements java.util.concurrent.Executor {
    final java.util.Queue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    public void execute(Runnable r) {
      tasks.add(r);
    }

    void runAll() {
      for (Runnable r; (r = tasks.poll()) != null; ) {
        r.run();
      }
    }
  }

  @Test
  void staleIdentityIsServedWhileRefreshing() {
    PublicKey k1 = newKey();
    PublicKey k2 = newKey();
    upstream.keys.put(DID, k1);
    Deferred background = new Deferred();
    CachingIdentityResolver cache = CachingIdentityResolver.builder(upstream).clock(clock)
        .ttl(Duration.ofHours(1)).refreshAfter(Duration.ofMinutes(10)).executor(background).build();
    assertEquals(k1, cache.resolve(DID).signingKey());
    upstream.keys.put(DID, k2);
    advance(Duration.ofMinutes(11));
    assertEquals(k1, cache.resolve(DID).signingKey(), "the stale entry is served");
    assertEquals(k1, cache.resolve(DID).signingKey(), "while its refresh is pending");
    assertEquals(1, upstream.calls(DID), "nobody waited for the directory");
    background.runAll();
    assertEquals(2, upstream.calls(DID), "one refresh behind it");
    assertEquals(k2, cache.resolve(DID).signingKey(), "the refreshed one is served next");
    background.runAll();
    assertEquals(2, upstream.calls(DID));

    // a refresh that fails keeps the known identity, until its TTL (counted from its fetch) runs out
    upstream.failing = true;
    advance(Duration.ofMinutes(11));
    assertEquals(k2, cache.resolve(DID).signingKey());
    background.runAll();
    assertEquals(3, upstream.calls(DID));
    assertEquals(k2, cache.resolve(DID).signingKey(), "kept after the failed refresh");
    background.runAll();
    advance(Duration.ofMinutes(50));
    assertThrows(IdentityException.class, () -> cache.resolve(DID), "expired: the failure shows");
  }

  @Test
  void sizeIsBounded() {
    CachingIdentityResolver cache = CachingIdentityResolver.builder(upstream).maxEntries(10)
        .executor(Runnable::run).build();
    for (int i = 0; i < 200; i++) {
      Did d = did(i);
      upstream.keys.put(d, upstream.keys.computeIfAbsent(DID, x -> newKey()));
      cache.resolve(d);
    }
    assertTrue(cache.size() <= 10, "size " + cache.size());
    assertTrue(cache.size() > 0);
  }

  @Test
  void concurrentBadSignaturesForceOneRefresh() throws Exception {
    PrivateKey real = PrivateKey.generate(Curve.SECP256K1);
    PrivateKey forger = PrivateKey.generate(Curve.SECP256K1);
    upstream.keys.put(DID, real.publicKey());
    CachingIdentityResolver cache = CachingIdentityResolver.builder(upstream).build();
    byte[] msg = "commit".getBytes(StandardCharsets.UTF_8);
    byte[] forged = forger.sign(msg);
    cache.resolve(DID);
    int n = 8;
    CyclicBarrier start = new CyclicBarrier(n);
    AtomicInteger accepted = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          if (cache.verifies(DID, k -> k.verify(msg, forged))) {
            accepted.incrementAndGet();
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(30_000);
    }
    assertEquals(0, accepted.get());
    assertEquals(2, upstream.calls(DID), "the first resolve and one forced refresh");
    assertTrue(cache.verifies(DID, k -> k.verify(msg, real.sign(msg))));
  }

  @Test
  void rotatedKeyIsFoundByTheOneRefresh() {
    PrivateKey oldKey = PrivateKey.generate(Curve.SECP256K1);
    PrivateKey newKey = PrivateKey.generate(Curve.SECP256K1);
    upstream.keys.put(DID, oldKey.publicKey());
    CachingIdentityResolver cache = CachingIdentityResolver.builder(upstream).clock(clock)
        .executor(Runnable::run).build();
    cache.resolve(DID);
    upstream.keys.put(DID, newKey.publicKey());
    byte[] msg = "commit".getBytes(StandardCharsets.UTF_8);
    assertTrue(cache.verifies(DID, k -> k.verify(msg, newKey.sign(msg))));
    assertEquals(2, upstream.calls(DID));
    assertEquals(newKey.publicKey(), cache.resolve(DID).signingKey(), "the refreshed key is cached");
    cache.invalidate(DID);
    cache.resolve(DID);
    assertEquals(3, upstream.calls(DID));
  }

  /** A syntactically valid did:plc for {@code i}. */
  static Did did(int i) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    StringBuilder sb = new StringBuilder("did:plc:");
    long v = i;
    for (int k = 0; k < 24; k++) {
      sb.append(alphabet.charAt((int) (v & 31)));
      v >>>= 5;
    }
    return Did.parse(sb.toString());
  }
}
