package dev.atsync.relay;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.atsync.car.CarBlock;
import dev.atsync.car.CarReader;
import dev.atsync.car.CarWriter;
import dev.atsync.cid.Cid;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RelayClientTest {
  HttpServer relay;
  HttpServer pds;
  final List<String> crawlBodies = new CopyOnWriteArrayList<>();
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  final AtomicInteger crawlCalls = new AtomicInteger();
  volatile Responder crawlResponder = (ex, n) -> send(ex, 200, "{}");

  interface Responder { void respond(HttpExchange ex, int call) throws IOException; }

  static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) ex.getResponseBody().write(b);
    ex.close();
  }

  Map<Cid, byte[]> blocks = new LinkedHashMap<>();

  @BeforeEach
  void start() throws IOException {
    for (int i = 0; i < 3; i++) {
      byte[] data = new byte[] {(byte) 0xa1, 0x61, 0x69, (byte) i};
      blocks.put(Cid.ofDagCbor(data), data);
    }
    byte[] car = CarWriter.toBytes(blocks.keySet().iterator().next(), blocks);
    pds = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    pds.createContext("/xrpc/com.atproto.sync.getRepo", ex -> {
      ex.sendResponseHeaders(200, car.length);
      ex.getResponseBody().write(car);
      ex.close();
    });
    pds.start();
    relay = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    relay.createContext("/xrpc/com.atproto.sync.requestCrawl", ex -> {
      crawlBodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      crawlResponder.respond(ex, crawlCalls.incrementAndGet());
    });
    relay.createContext("/xrpc/com.atproto.sync.listHosts", ex -> {
      String q = ex.getRequestURI().getQuery();
      if (!q.contains("cursor=")) send(ex, 200, "{\"cursor\":\"p2\",\"hosts\":[{\"hostname\":\"a.test\",\"seq\":1,\"status\":\"active\"},{\"hostname\":\"b.test\"}]}");
      else if (q.contains("cursor=p2")) send(ex, 200, "{\"cursor\":\"p3\",\"hosts\":[{\"hostname\":\"c.test\",\"accountCount\":7}]}");
      else send(ex, 200, "{\"hosts\":[{\"hostname\":\"d.test\"}]}");
    });
    relay.createContext("/xrpc/com.atproto.sync.getHostStatus", ex -> {
      if (ex.getRequestURI().getQuery().contains("pds.test")) send(ex, 200, "{\"hostname\":\"pds.test\",\"seq\":9,\"status\":\"active\"}");
      else send(ex, 400, "{\"error\":\"HostNotFound\",\"message\":\"no such host\"}");
    });
    relay.createContext("/xrpc/com.atproto.sync.getRepo", ex -> {
      ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + pds.getAddress().getPort() + ex.getRequestURI());
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    relay.createContext("/xrpc/com.atproto.sync.getLatestCommit", ex -> {
      try { Thread.sleep(2000); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
      send(ex, 200, "{\"cid\":\"x\",\"rev\":\"y\"}");
    });
    relay.createContext("/xrpc/com.atproto.sync.getRepoStatus", ex -> {
      boolean good = ex.getRequestURI().getRawQuery().contains("did=did%3Aplc%3Aabc");
      send(ex, 200, "{\"did\":\"did:plc:abc\",\"active\":false,\"status\":\"takendown\",\"rev\":\""
          + (good ? "3lbf5dnwdbs2c" : "not-a-tid") + "\"}");
    });
    relay.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    relay.start();
  }

  @AfterEach
  void stop() {
    relay.stop(0);
    pds.stop(0);
  }

  RelayClient client(int attempts) {
    RetryPolicy p = new RetryPolicy(attempts, Duration.ofMillis(100), Duration.ofSeconds(5), sleeps::add, () -> 0.5);
    return RelayClient.builder().baseUrl("http://127.0.0.1:" + relay.getAddress().getPort())
        .requestTimeout(Duration.ofMillis(300)).retryPolicy(p).build();
  }

  @Test
  void requestCrawlPostsHostname() {
    client(3).requestCrawl("pds.example.com");
    assertEquals(List.of("{\"hostname\":\"pds.example.com\"}"), crawlBodies);
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void hostnameValidation() {
    for (String bad : List.of("https://pds.example.com", "pds.example.com:443", "pds.example.com/x", "", "-a.com", "a..com")) {
      assertThrows(IllegalArgumentException.class, () -> client(1).requestCrawl(bad), bad);
    }
    assertEquals(0, crawlCalls.get());
  }

  @Test
  void retries503WithJitteredExponentialBackoff() {
    crawlResponder = (ex, n) -> send(ex, n < 4 ? 503 : 200, n < 4 ? "{\"error\":\"Unavailable\"}" : "{}");
    client(5).requestCrawl("pds.test");
    assertEquals(4, crawlCalls.get());
    // random fixed at 0.5: half of 100, 200, 400 ms
    assertEquals(List.of(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200)), sleeps);
  }

  @Test
  void givesUpAfterMaxAttempts() {
    crawlResponder = (ex, n) -> send(ex, 502, "");
    XrpcException e = assertThrows(XrpcException.class, () -> client(3).requestCrawl("pds.test"));
    assertEquals(502, e.status());
    assertEquals(3, crawlCalls.get());
    assertEquals(2, sleeps.size());
  }

  @Test
  void neverRetries400() {
    crawlResponder = (ex, n) -> send(ex, 400, "{\"error\":\"InvalidRequest\",\"message\":\"bad host\"}");
    XrpcException e = assertThrows(XrpcException.class, () -> client(5).requestCrawl("pds.test"));
    assertEquals(400, e.status());
    assertEquals(Optional.of("InvalidRequest"), e.error());
    assertTrue(e.getMessage().contains("bad host"));
    assertEquals(1, crawlCalls.get());
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void honoursRetryAfterSecondsAndCap() {
    crawlResponder = (ex, n) -> {
      if (n == 1) ex.getResponseHeaders().set("Retry-After", "3");
      if (n == 2) ex.getResponseHeaders().set("Retry-After", "120");
      send(ex, n <= 2 ? 429 : 200, n <= 2 ? "{\"error\":\"RateLimitExceeded\"}" : "{}");
    };
    client(5).requestCrawl("pds.test");
    assertEquals(List.of(Duration.ofSeconds(3), Duration.ofSeconds(5)), sleeps);
  }

  @Test
  void timeoutIsRetriedThenFails() {
    XrpcException e = assertThrows(XrpcException.class, () -> client(2).getLatestCommit(Did.parse("did:plc:abc")));
    assertEquals(0, e.status());
    assertEquals(1, sleeps.size());
  }

  @Test
  void repoStatusIsTypedAndAMalformedFieldIsTheServersError() {
    RelayClient.RepoStatus s = client(1).getRepoStatus(Did.parse("did:plc:abc"));
    assertEquals(new RelayClient.RepoStatus(Did.parse("did:plc:abc"), false, Optional.of("takendown"),
        Optional.of(Tid.parse("3lbf5dnwdbs2c"))), s);
    XrpcException e = assertThrows(XrpcException.class, () -> client(1).getRepoStatus(Did.parse("did:plc:other")));
    assertEquals(200, e.status());
    assertTrue(e.getMessage().contains("rev"), e.getMessage());
  }

  @Test
  void pagesThroughListHosts() {
    RelayClient c = client(1);
    RelayClient.HostPage first = c.listHosts(Optional.empty(), 2);
    assertEquals(Optional.of("p2"), first.cursor());
    assertEquals(Optional.of("active"), first.hosts().get(0).status());
    List<String> all = new ArrayList<>();
    for (Iterator<RelayClient.Host> it = c.allHosts(2); it.hasNext();) all.add(it.next().hostname());
    assertEquals(List.of("a.test", "b.test", "c.test", "d.test"), all);
  }

  @Test
  void hostStatusAndHostNotFound() {
    RelayClient c = client(3);
    assertEquals(Optional.of(9L), c.getHostStatus("pds.test").seq());
    XrpcException e = assertThrows(XrpcException.class, () -> c.getHostStatus("other.test"));
    assertEquals(Optional.of("HostNotFound"), e.error());
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void getRepoFollowsRedirectAndStreamsBlocks() throws IOException {
    List<Cid> seen = new ArrayList<>();
    try (CarReader r = client(1).getRepo(Did.parse("did:plc:abc"), Optional.empty(), CarReader.Limits.DEFAULT)) {
      assertEquals(List.of(blocks.keySet().iterator().next()), r.roots());
      for (Optional<CarBlock> b = r.next(); b.isPresent(); b = r.next()) seen.add(b.get().cid());
    }
    assertEquals(new ArrayList<>(blocks.keySet()), seen);
  }
}
