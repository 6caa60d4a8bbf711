package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code crawl} against a fake relay (a JDK HttpServer on 127.0.0.1) that first answers 429 with Retry-After. */
class CrawlCommandTest {
  HttpServer relay;
  final List<String> calls = new CopyOnWriteArrayList<>();
  final AtomicInteger limited = new AtomicInteger(1);

  @BeforeEach
  void start() throws Exception {
    relay = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    relay.createContext("/xrpc/com.atproto.sync.requestCrawl", ex -> {
      calls.add("requestCrawl " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8) + " "
          + ex.getRequestHeaders().getFirst("User-Agent"));
      if (limited.getAndDecrement() > 0) {
        ex.getResponseHeaders().add("Retry-After", "1");
        byte[] b = "{\"error\":\"RateLimitExceeded\"}".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(429, b.length);
        ex.getResponseBody().write(b);
      } else {
        ex.sendResponseHeaders(200, -1);
      }
      ex.close();
    });
    relay.createContext("/xrpc/com.atproto.sync.getHostStatus", ex -> {
      calls.add("getHostStatus " + ex.getRequestURI().getQuery());
      byte[] b = "{\"hostname\":\"pds.example.com\",\"seq\":42,\"accountCount\":7,\"status\":\"active\"}"
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    relay.start();
  }

  @AfterEach
  void stop() {
    relay.stop(0);
  }

  String url() {
    return "http://127.0.0.1:" + relay.getAddress().getPort();
  }

  @Test
  void retriesAfterA429ThenShowsTheHostStatus() {
    Run r = Run.of("crawl", "pds.example.com", "--relay", url());
    assertEquals(0, r.code(), r.out() + r.err());
    assertEquals(3, calls.size(), calls.toString());
    assertTrue(calls.get(0).contains("\"hostname\":\"pds.example.com\"") && calls.get(0).endsWith(
        "atsync/" + Atsync.Version.VERSION), calls.get(0));
    assertTrue(calls.get(1).startsWith("requestCrawl"), "asked again after Retry-After: " + calls);
    assertTrue(r.out().contains("requestCrawl accepted"), r.out());
    assertTrue(r.out().contains("status active, seq 42, accounts 7"), r.out());
  }

  @Test
  void aRelayThatKeepsLimitingIsReported() {
    limited.set(100);
    Run r = Run.of("crawl", "pds.example.com", "--relay", url(), "--attempts", "2");
    assertEquals(2, r.code(), r.out());
    assertEquals(2, calls.size(), calls.toString());
    assertTrue(r.out().contains("requestCrawl failed"), r.out());
  }

  @Test
  void aBadHostnameIsAUsageError() {
    Run r = Run.of("crawl", "not a host", "--relay", url());
    assertEquals(2, r.code());
    assertTrue(calls.isEmpty());
  }
}
