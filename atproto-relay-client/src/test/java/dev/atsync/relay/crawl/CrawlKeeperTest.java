package dev.atsync.relay.crawl;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.atsync.relay.RelayClient;
import dev.atsync.relay.RetryPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CrawlKeeperTest {
  static final class MutableClock extends Clock {
    volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");
    @Override public ZoneId getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(ZoneId z) { return this; }
    @Override public Instant instant() { return now; }
  }

  HttpServer relay;
  final AtomicInteger crawls = new AtomicInteger();
  final MutableClock clock = new MutableClock();

  static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  @BeforeEach
  void start() throws IOException {
    relay = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    relay.createContext("/xrpc/com.atproto.sync.requestCrawl", ex -> {
      ex.getRequestBody().readAllBytes();
      crawls.incrementAndGet();
      send(ex, 200, "{}");
    });
    // An older relay without getHostStatus: the keeper must fall back to listHosts.
    relay.createContext("/xrpc/com.atproto.sync.getHostStatus", ex -> send(ex, 501, "{\"error\":\"MethodNotImplemented\"}"));
    relay.createContext("/xrpc/com.atproto.sync.listHosts", ex -> {
      if (ex.getRequestURI().getQuery().contains("cursor=")) send(ex, 200, "{\"hosts\":[{\"hostname\":\"pds.test\",\"status\":\"active\"}]}");
      else send(ex, 200, "{\"cursor\":\"2\",\"hosts\":[{\"hostname\":\"other.test\",\"status\":\"active\"}]}");
    });
    relay.start();
  }

  @AfterEach
  void stop() { relay.stop(0); }

  CrawlKeeper keeper(Duration idle) {
    RelayClient c = RelayClient.builder().baseUrl("http://127.0.0.1:" + relay.getAddress().getPort())
        .retryPolicy(RetryPolicy.defaults().withMaxAttempts(1)).build();
    return CrawlKeeper.builder().hostname("pds.test").relay(c).clock(clock)
        .minInterval(Duration.ofMinutes(10)).idleBeforeRecrawl(idle).statusInterval(Duration.ofHours(1)).build();
  }

  @Test
  void requestsAtStartAndRespectsRateLimit() throws Exception {
    try (CrawlKeeper k = keeper(Duration.ofHours(1))) {
      k.start().get(5, TimeUnit.SECONDS);
      assertEquals(1, crawls.get());
      assertEquals(Optional.of("ok"), k.snapshot().get(0).lastResult());
      assertEquals(Optional.of(clock.now), k.snapshot().get(0).lastCrawlRequest());
      clock.now = clock.now.plus(Duration.ofMinutes(5));
      k.onOutageRecovered().get(5, TimeUnit.SECONDS);
      assertEquals(1, crawls.get(), "inside minInterval: skipped");
      clock.now = clock.now.plus(Duration.ofMinutes(6));
      k.onOutageRecovered().get(5, TimeUnit.SECONDS);
      assertEquals(2, crawls.get());
    }
  }

  @Test
  void rerequestsWhenSubscribersStayZero() throws Exception {
    try (CrawlKeeper k = keeper(Duration.ofMillis(50))) {
      k.start().get(5, TimeUnit.SECONDS);
      clock.now = clock.now.plus(Duration.ofHours(1));
      k.onSubscriberCountChanged(0);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (crawls.get() < 2 && System.nanoTime() < deadline) Thread.sleep(10);
      assertEquals(2, crawls.get(), "crawl re-requested once; later idle checks are rate limited");
    }
  }

  @Test
  void noRecrawlWhenSubscriberReturns() throws Exception {
    try (CrawlKeeper k = keeper(Duration.ofMillis(300))) {
      k.start().get(5, TimeUnit.SECONDS);
      clock.now = clock.now.plus(Duration.ofHours(1));
      k.onSubscriberCountChanged(0);
      k.onSubscriberCountChanged(1);
      // wait past the idle deadline: a wrongly fired idle check would have requested a second crawl
      Thread.sleep(400);
      k.checkStatusNow().get(5, TimeUnit.SECONDS);
      assertEquals(1, crawls.get());
    }
  }

  @Test
  void statusFallsBackToListHosts() throws Exception {
    try (CrawlKeeper k = keeper(Duration.ofHours(1))) {
      k.checkStatusNow().get(5, TimeUnit.SECONDS);
      CrawlKeeper.RelayState s = k.snapshot().get(0);
      assertEquals(Optional.of("active"), s.hostStatus());
      assertTrue(s.lastStatusCheck().isPresent());
      assertEquals(List.of(), List.of(s.lastCrawlRequest().stream().toArray()));
    }
  }
}
