package dev.atsync.relay.ingest;

import static org.junit.jupiter.api.Assertions.*;

import dev.atsync.firehose.ingest.IngestError;
import dev.atsync.firehose.ingest.IngestException;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.atsync.relay.RetryPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Frames here are single bytes so the fake server can count them in the body. */
class InverterClientTest {
  interface Handler { void handle(HttpExchange ex, byte[] body, int call) throws IOException; }

  HttpServer server;
  final List<byte[]> bodies = new CopyOnWriteArrayList<>();
  final List<String> auth = new CopyOnWriteArrayList<>();
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  final AtomicInteger calls = new AtomicInteger();
  final AtomicLong nextSeq = new AtomicLong(100);
  volatile Handler handler = this::accept;

  void accept(HttpExchange ex, byte[] body, int call) throws IOException {
    StringBuilder sb = new StringBuilder("{\"seqs\":[");
    for (int i = 0; i < body.length; i++) sb.append(i == 0 ? "" : ",").append(nextSeq.getAndIncrement());
    send(ex, 200, sb.append("]}").toString());
  }

  static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/events", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      bodies.add(body);
      auth.add(ex.getRequestHeaders().getFirst("Authorization") + "|" + ex.getRequestHeaders().getFirst("Content-Type"));
      handler.handle(ex, body, calls.incrementAndGet());
    });
    server.start();
  }

  @AfterEach
  void stop() { server.stop(0); }

  InverterClient client(int maxBatchFrames) {
    return InverterClient.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort()).token("secret")
        .maxBatchFrames(maxBatchFrames)
        .retryPolicy(new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(1), sleeps::add, () -> 1.0)).build();
  }

  static List<byte[]> frames(int n) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(new byte[] {(byte) i});
    return out;
  }

  @Test
  void postBatchReturnsSeqsAndSendsHeaders() {
    try (InverterClient c = client(10)) {
      assertEquals(List.of(100L, 101L, 102L), c.postBatch(frames(3)));
    }
    assertArrayEquals(new byte[] {0, 1, 2}, bodies.get(0));
    assertEquals("Bearer secret|application/vnd.ipld.dag-cbor", auth.get(0));
  }

  @Test
  void publishBatchesPendingFramesInOrder() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    handler = (ex, body, call) -> {
      if (call == 1) {
        try { release.await(5, TimeUnit.SECONDS); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
      }
      accept(ex, body, call);
    };
    try (InverterClient c = client(3)) {
      List<CompletableFuture<Long>> fs = new ArrayList<>();
      for (byte[] f : frames(7)) fs.add(c.publish(f));
      release.countDown();
      List<Long> seqs = new ArrayList<>();
      for (CompletableFuture<Long> f : fs) seqs.add(f.get(5, TimeUnit.SECONDS));
      assertEquals(List.of(100L, 101L, 102L, 103L, 104L, 105L, 106L), seqs);
    }
    // the first request may carry 1..3 frames; afterwards pending frames are batched (<= 3 each)
    assertTrue(bodies.size() < 7, "expected batching, got " + bodies.size() + " requests");
    List<Byte> all = new ArrayList<>();
    for (byte[] b : bodies) {
      assertTrue(b.length <= 3);
      for (byte x : b) all.add(x);
    }
    assertEquals(List.of((byte) 0, (byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 5, (byte) 6), all);
  }

  @Test
  void staleRevSurfacedNotRetried() {
    handler = (ex, body, call) -> send(ex, 409, "{\"error\":\"StaleRev\",\"message\":\"old\",\"did\":\"did:plc:a\",\"rev\":\"3k1\",\"currentRev\":\"3k2\"}");
    try (InverterClient c = client(10)) {
      IngestException e = assertThrows(IngestException.class, () -> c.postBatch(frames(1)));
      assertEquals(IngestError.STALE_REV, e.error());
      assertEquals("did:plc:a", e.did().orElseThrow());
      assertEquals("3k1", e.rev().orElseThrow());
      assertEquals("3k2", e.currentRev().orElseThrow());
    }
    assertEquals(1, calls.get());
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void invalidFrameSurfacedNotRetried() {
    handler = (ex, body, call) -> send(ex, 400, "{\"error\":\"InvalidFrame\",\"message\":\"bad header\",\"frame\":1}");
    try (InverterClient c = client(10)) {
      IngestException e = assertThrows(IngestException.class, () -> c.postBatch(frames(2)));
      assertEquals(IngestError.INVALID_FRAME, e.error());
      assertEquals(1, e.frameIndex().orElseThrow());
    }
    assertEquals(1, calls.get());
  }

  @Test
  void retries503ThenSucceeds() {
    handler = (ex, body, call) -> {
      if (call < 3) send(ex, 503, "{\"error\":\"Unavailable\"}");
      else accept(ex, body, call);
    };
    try (InverterClient c = client(10)) {
      assertEquals(List.of(100L, 101L), c.postBatch(frames(2)));
    }
    assertEquals(3, calls.get());
    assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), sleeps);
  }

  @Test
  void payloadTooLargeSplitsBatchesButFailsSingleFrame() {
    handler = (ex, body, call) -> {
      if (body.length > 2) send(ex, 413, "{\"error\":\"PayloadTooLarge\"}");
      else accept(ex, body, call);
    };
    try (InverterClient c = client(10)) {
      assertEquals(List.of(100L, 101L, 102L, 103L, 104L), c.postBatch(frames(5)));
    }
    List<Integer> sizes = new ArrayList<>();
    for (byte[] b : bodies) sizes.add(b.length);
    assertEquals(List.of(5, 2, 3, 1, 2), sizes);

    handler = (ex, body, call) -> send(ex, 413, "{\"error\":\"PayloadTooLarge\"}");
    try (InverterClient c = client(10)) {
      IngestException e = assertThrows(IngestException.class, () -> c.postBatch(frames(1)));
      assertEquals(IngestError.PAYLOAD_TOO_LARGE, e.error());
      assertEquals(413, e.status());
    }
  }

  @Test
  void failedFrameFailsFramesQueuedAfterIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    handler = (ex, body, call) -> {
      try { release.await(5, TimeUnit.SECONDS); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
      send(ex, 401, "{\"error\":\"InvalidToken\",\"message\":\"no\"}");
    };
    try (InverterClient c = client(1)) {
      CompletableFuture<Long> first = c.publish(new byte[] {1});
      CompletableFuture<Long> second = c.publish(new byte[] {2});
      release.countDown();
      ExecutionException e1 = assertThrows(ExecutionException.class, () -> first.get(5, TimeUnit.SECONDS));
      assertEquals(IngestError.INVALID_TOKEN, ((IngestException) e1.getCause()).error());
      ExecutionException e2 = assertThrows(ExecutionException.class, () -> second.get(5, TimeUnit.SECONDS));
      assertEquals(IngestError.PRECEDING_FRAME_FAILED, ((IngestException) e2.getCause()).error());
    }
    assertEquals(1, calls.get());
  }

  /** Blocks the first request until released, so the frames published meanwhile share the next one. */
  List<CompletableFuture<Long>> publishWhileFirstInFlight(InverterClient c, Handler rest, int frames) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch first = new CountDownLatch(1);
    handler = (ex, body, call) -> {
      if (call == 1) {
        first.countDown();
        try { release.await(5, TimeUnit.SECONDS); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        accept(ex, body, call);
      } else {
        rest.handle(ex, body, call);
      }
    };
    List<CompletableFuture<Long>> fs = new ArrayList<>();
    fs.add(c.publish(new byte[] {0}));
    assertTrue(first.await(5, TimeUnit.SECONDS));
    for (int i = 1; i < frames; i++) fs.add(c.publish(new byte[] {(byte) i}));
    release.countDown();
    for (CompletableFuture<Long> f : fs) {
      try { f.get(5, TimeUnit.SECONDS); } catch (ExecutionException e) { /* inspected by the test */ }
    }
    return fs;
  }

  static IngestError errorOf(CompletableFuture<Long> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    return ((IngestException) e.getCause()).error();
  }

  static int indexOf(byte[] body, int b) {
    for (int i = 0; i < body.length; i++) if (body[i] == b) return i;
    return -1;
  }

  @Test
  void coalescedRequestRefusedForOneFrameGivesEachCallerItsOwnOutcome() throws Exception {
    Handler refuseThree = (ex, body, call) -> {
      int i = indexOf(body, 3);
      if (i >= 0) send(ex, 400, "{\"error\":\"InvalidFrame\",\"message\":\"bad\",\"frame\":" + i + "}");
      else accept(ex, body, call);
    };
    try (InverterClient c = client(10)) {
      List<CompletableFuture<Long>> fs = publishWhileFirstInFlight(c, refuseThree, 6);
      assertEquals(100L, fs.get(0).get());
      // 1 and 2 were refused only with the request: sent again without 3, stored
      assertEquals(101L, fs.get(1).get());
      assertEquals(102L, fs.get(2).get());
      assertEquals(IngestError.INVALID_FRAME, errorOf(fs.get(3)));
      assertEquals(IngestError.PRECEDING_FRAME_FAILED, errorOf(fs.get(4)));
      assertEquals(IngestError.PRECEDING_FRAME_FAILED, errorOf(fs.get(5)));
      ExecutionException e = assertThrows(ExecutionException.class, () -> fs.get(4).get());
      assertEquals(IngestError.INVALID_FRAME, ((IngestException) e.getCause().getCause()).error());
    }
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, bodies.get(1), "the five frames coalesced into one request");
    assertArrayEquals(new byte[] {1, 2}, bodies.get(2));
    assertEquals(3, bodies.size());
  }

  @Test
  void coalescedRefusalNamingNoFrameIsResolvedFrameByFrame() throws Exception {
    List<byte[]> stored = new CopyOnWriteArrayList<>();
    Handler staleThree = (ex, body, call) -> {
      if (indexOf(body, 3) >= 0) {
        send(ex, 409, "{\"error\":\"StaleRev\",\"message\":\"old\",\"did\":\"did:plc:a\",\"rev\":\"3k1\"}");
      } else {
        stored.add(body);
        accept(ex, body, call);
      }
    };
    try (InverterClient c = client(10)) {
      List<CompletableFuture<Long>> fs = publishWhileFirstInFlight(c, staleThree, 6);
      assertEquals(List.of(100L, 101L, 102L), List.of(fs.get(0).get(), fs.get(1).get(), fs.get(2).get()));
      assertEquals(IngestError.STALE_REV, errorOf(fs.get(3)));
      assertEquals(IngestError.PRECEDING_FRAME_FAILED, errorOf(fs.get(4)));
      assertEquals(IngestError.PRECEDING_FRAME_FAILED, errorOf(fs.get(5)));
    }
    // nothing after the refused frame was stored (it is sent again only with the refused frame)
    for (byte[] b : stored) {
      assertTrue(indexOf(b, 4) < 0 && indexOf(b, 5) < 0);
    }
  }

  @Test
  void coalescedRequestRefusedForTheTokenFailsEveryFrameWithThatError() throws Exception {
    Handler refuse = (ex, body, call) -> send(ex, 401, "{\"error\":\"InvalidToken\",\"message\":\"no\"}");
    try (InverterClient c = client(10)) {
      List<CompletableFuture<Long>> fs = publishWhileFirstInFlight(c, refuse, 4);
      assertEquals(100L, fs.get(0).get());
      for (int i = 1; i < 4; i++) assertEquals(IngestError.INVALID_TOKEN, errorOf(fs.get(i)));
    }
    assertEquals(2, calls.get(), "not retried frame by frame");
  }

  @Test
  void concurrentPublishersShareRequests() throws Exception {
    int threads = 16;
    try (InverterClient c = InverterClient.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort())
        .token("secret").maxBatchFrames(threads).linger(Duration.ofSeconds(1)).build()) {
      List<CompletableFuture<Long>> fs = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        byte[] frame = {(byte) t};
        Thread th = new Thread(() -> {
          try { go.await(); } catch (InterruptedException e) { return; }
          fs.add(c.publish(frame));
        });
        th.start();
        ts.add(th);
      }
      go.countDown();
      for (Thread th : ts) th.join();
      java.util.Set<Long> seqs = new java.util.HashSet<>();
      for (CompletableFuture<Long> f : fs) seqs.add(f.get(5, TimeUnit.SECONDS));
      assertEquals(threads, seqs.size(), "every caller got its own seq");
    }
    // the worker waits (at most the linger time) until a full batch is queued: one request
    assertEquals(1, bodies.size());
    assertEquals(threads, bodies.get(0).length);
  }

  @Test
  void lingerIsBounded() {
    assertThrows(IllegalArgumentException.class, () -> InverterClient.builder().linger(Duration.ofSeconds(2)));
    assertThrows(IllegalArgumentException.class, () -> InverterClient.builder().linger(Duration.ofMillis(-1)));
  }

  @Test
  void aRateLimitIsWaitedOutForAsLongAsTheInverterAsks() {
    handler = (ex, body, call) -> {
      if (call == 1) ex.getResponseHeaders().set("Retry-After", "3");
      if (call == 1) send(ex, 429, "{\"error\":\"RateLimitExceeded\"}");
      else accept(ex, body, call);
    };
    try (InverterClient c = client(10)) {
      assertEquals(List.of(100L), c.postBatch(frames(1)));
    }
    assertEquals(List.of(Duration.ofSeconds(1)), sleeps, "Retry-After 3 s, capped at the policy's 1 s");
  }

  @Test
  void aKeptAliveConnectionTheServerClosedIsReplacedAtOnce() throws Exception {
    // a server that answers one request per connection and then closes it without saying so
    // (no "Connection: close"), as an idle timeout or a proxy does
    AtomicInteger connections = new AtomicInteger();
    CountDownLatch firstClosed = new CountDownLatch(1);
    try (java.net.ServerSocket once = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
      Thread serving = new Thread(() -> {
        try {
          while (true) {
            try (java.net.Socket s = once.accept()) {
              int n = connections.incrementAndGet();
              java.io.InputStream in = s.getInputStream();
              String head = readHead(in);
              int length = Integer.parseInt(head.replaceAll("(?is).*content-length:\\s*(\\d+).*", "$1"));
              in.readNBytes(length);
              byte[] answer = ("{\"seqs\":[" + n + "]}").getBytes(StandardCharsets.US_ASCII);
              s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                  + answer.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
              s.getOutputStream().write(answer);
              s.getOutputStream().flush();
            }
            firstClosed.countDown();
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      serving.setDaemon(true);
      serving.start();
      try (InverterClient c = InverterClient.builder().baseUrl("http://127.0.0.1:" + once.getLocalPort())
          .token("secret").retryPolicy(new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(1), sleeps::add,
              () -> 1.0)).build()) {
        assertEquals(List.of(1L), c.postBatch(frames(1)));
        assertTrue(firstClosed.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(2L), c.postBatch(frames(1)), "sent again on a new connection");
      }
    }
    assertEquals(2, connections.get());
    assertEquals(List.of(), sleeps, "no backoff for a connection closed while idle");
  }

  @Test
  void anInverterThatStaysUnreachableIsRetriedOnceAtOnceThenWithBackoff() throws Exception {
    int port;
    try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    try (InverterClient c = InverterClient.builder().baseUrl("http://127.0.0.1:" + port).token("secret")
        .retryPolicy(new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(1), sleeps::add, () -> 1.0))
        .build()) {
      IngestException e = assertThrows(IngestException.class, () -> c.postBatch(frames(1)));
      assertEquals(IngestError.UNREACHABLE, e.error());
      assertInstanceOf(IOException.class, e.getCause());
    }
    // attempt 1 fails, 2 follows at once, then the policy's backoff before 3 and 4
    assertEquals(List.of(Duration.ofMillis(200), Duration.ofMillis(400)), sleeps);
  }

  private static String readHead(java.io.InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new IOException("closed before the head ended");
      head.append((char) b);
    }
    return head.toString();
  }

  @Test
  void theTokenNeverReachesTheLogEvenWithApachesHeaderAndWireLogsOn() throws Exception {
    // the module's surefire configuration turns these on, as an application at DEBUG would
    assertTrue(org.slf4j.LoggerFactory.getLogger("org.apache.hc.client5.http.headers").isDebugEnabled());
    assertTrue(org.slf4j.LoggerFactory.getLogger("org.apache.hc.client5.http.wire").isDebugEnabled());
    String token = "tok-3c1f9e7a5b";
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(logged, true, StandardCharsets.UTF_8));
    try (InverterClient c = InverterClient.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort())
        .token(token).build()) {
      assertEquals(List.of(100L), c.postBatch(frames(1)));
      assertEquals(101L, c.publish(new byte[] {7}).get(10, TimeUnit.SECONDS));
    } finally {
      System.setErr(err);
    }
    assertTrue(auth.get(0).startsWith("Bearer " + token), "the token was sent");
    String log = logged.toString(StandardCharsets.UTF_8);
    assertFalse(log.contains(token), "the token was logged:\n" + log);
  }

  @Test
  void postsOverHttpsWithTheGivenTrustAndKeepsTheTokenOutOfTheLog(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    // a self-signed certificate for 127.0.0.1, made by the JDK's keytool
    java.nio.file.Path store = dir.resolve("inverter.p12");
    char[] pass = "changeit".toCharArray();
    Process keytool = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "inverter", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    String keytoolSaid = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, keytool.waitFor(), keytoolSaid);
    java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(store)) {
      keys.load(in, pass);
    }
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, pass);
    javax.net.ssl.SSLContext serverTls = javax.net.ssl.SSLContext.getInstance("TLS");
    serverTls.init(kmf.getKeyManagers(), null, null);
    java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("inverter", keys.getCertificate("inverter"));
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    javax.net.ssl.SSLContext clientTls = javax.net.ssl.SSLContext.getInstance("TLS");
    clientTls.init(null, tmf.getTrustManagers(), null);

    com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
        new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(serverTls));
    https.createContext("/events", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      auth.add(ex.getRequestHeaders().getFirst("Authorization"));
      accept(ex, body, calls.incrementAndGet());
    });
    https.start();
    String token = "tok-tls-8d2e4b6f01";
    String url = "https://127.0.0.1:" + https.getAddress().getPort();
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(logged, true, StandardCharsets.UTF_8));
    try {
      try (InverterClient c = InverterClient.builder().baseUrl(url).token(token).sslContext(clientTls).build()) {
        assertEquals(List.of(100L), c.postBatch(frames(1)));
      }
      // without that trust the certificate is refused: the context given is what let it through
      try (InverterClient c = InverterClient.builder().baseUrl(url).token(token)
          .retryPolicy(RetryPolicy.defaults().withMaxAttempts(1)).build()) {
        IngestException e = assertThrows(IngestException.class, () -> c.postBatch(frames(1)));
        assertEquals(IngestError.UNREACHABLE, e.error());
        assertInstanceOf(javax.net.ssl.SSLException.class, e.getCause());
      }
    } finally {
      System.setErr(err);
      https.stop(0);
    }
    assertEquals(List.of("Bearer " + token), auth, "one request reached the handler, with the token");
    String log = logged.toString(StandardCharsets.UTF_8);
    assertFalse(log.contains(token), "the token was logged:\n" + log);
  }
}
