package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.TestSubscriber;
import dev.atsync.relay.crawl.CrawlKeeper;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code atsync serve}'s options: the command line over the environment over the defaults. */
class ServeCommandTest {
  static ServeCommand parse(Map<String, String> env, String... args) {
    Atsync root = new Atsync();
    root.environment = env;
    CommandLine cl = Atsync.commandLine(root);
    CommandLine.ParseResult r = cl.parseArgs(java.util.stream.Stream.concat(java.util.stream.Stream.of("serve"),
        java.util.Arrays.stream(args)).toArray(String[]::new));
    ServeCommand s = r.subcommand().commandSpec().commandLine().getCommand();
    return s;
  }

  @Test
  void flagsWinOverEnvironmentOverDefaults() {
    ServeCommand s = parse(Map.of("ATSYNC_SEQ_FLOOR", "9", "ATSYNC_PUBLIC_PORT", "3000", "ATSYNC_REORDER_WAIT", "250ms",
        "ATSYNC_UPSTREAM", "ws://a:3000,ws://b:3000"), "--seq-floor", "500");
    assertEquals(500, s.seqFloor);
    assertEquals(3000, s.publicPort);
    assertEquals(Duration.ofMillis(250), s.reorderWait);
    assertEquals(List.of(URI.create("ws://a:3000"), URI.create("ws://b:3000")), s.upstreams);
    assertEquals(ServeCommand.EventLogKind.sqlite, s.eventLog);
    assertEquals(Duration.ofHours(72), s.retentionAge);
    assertNull(s.maxBodyBytes, "unset tuning options leave the inverter's default");
    ServeCommand repeated = parse(Map.of(), "--upstream", "ws://a:1", "--upstream", "ws://b:2,ws://c:3");
    assertEquals(3, repeated.upstreams.size());
  }

  @Test
  void everyOptionHasItsVariableAndOthersAreRefused() {
    ServeCommand s = parse(Map.of());
    ServeCommand.checkEnvironment(s.spec, Map.of("ATSYNC_MAX_BACKFILL_BYTES_IN_FLIGHT", "1", "ATSYNC_INGEST_TOKEN", "x",
        "ATSYNC_JAVA_OPTS", "-Xmx1g", "PATH", "/bin"));
    CliException e = assertThrows(CliException.class, () -> ServeCommand.checkEnvironment(s.spec,
        Map.of("ATSYNC_TOKEN", "x")));
    assertTrue(e.getMessage().contains("ATSYNC_TOKEN"));
    assertThrows(CliException.class, () -> ServeCommand.checkEnvironment(s.spec, Map.of("ATSYNC_HELP", "true")));
  }

  @Test
  void verificationModes() {
    assertEquals(EventCheck.NONE, parse(Map.of(), "--verify", "off").check());
    assertTrue(parse(Map.of(), "--check-signatures", "--plc-url", "http://127.0.0.1:1").check()
        instanceof dev.atsync.inverter.VerifyingCheck);
    assertTrue(parse(Map.of("ATSYNC_CHECK_SIGNATURES", "true"), "--verify", "lenient").checkSignatures);
  }

  @Test
  void crawlRelaysBuildAKeeperThatAsksAtStart() throws Exception {
    assertNull(parse(Map.of()).crawlKeeper());
    assertThrows(CliException.class, () -> parse(Map.of(), "--crawl-relay", "http://127.0.0.1:1").crawlKeeper());
    List<String> crawls = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> agents = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer relay = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    relay.createContext("/xrpc/com.atproto.sync.requestCrawl", ex -> {
      crawls.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      agents.add(ex.getRequestHeaders().getFirst("User-Agent"));
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    relay.start();
    try (CrawlKeeper keeper = parse(Map.of("ATSYNC_CRAWL_RELAY", "http://127.0.0.1:" + relay.getAddress().getPort()
        + ",http://127.0.0.1:" + relay.getAddress().getPort() + "/", "ATSYNC_CRAWL_HOSTNAME", "pds.example.com"))
        .crawlKeeper()) {
      keeper.start().join();
      assertEquals(2, crawls.size(), "both relays of the comma-separated variable");
      assertTrue(crawls.get(0).contains("pds.example.com"));
      assertEquals("atsync/" + Atsync.Version.VERSION, agents.get(0));
    } finally {
      relay.stop(0);
    }
  }

  @Test
  void subscriberCountChangesReachTheHook() throws Exception {
    List<Integer> counts = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Inverter inv = Inverter.builder().log(dev.atsync.inverter.log.EventLog.inMemory())
        .publicAddress(new java.net.InetSocketAddress("127.0.0.1", 0)).inProcessIngestOnly()
        .onSubscriberCountChanged(counts::add).build().start()) {
      TestSubscriber s = TestSubscriber.connect(inv.publicPort(), null);
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (counts.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      s.closeBlocking();
      while (counts.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(List.of(1, 0), counts);
    }
  }

  static int adminStatus(Inverter inv, String token) throws Exception {
    java.net.http.HttpRequest.Builder r = java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + inv.ingestPort().orElseThrow() + "/admin/log"));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return java.net.http.HttpClient.newHttpClient().send(r.build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void theAdminTokenComesFromItsFileOrTheEnvironment(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("admin-token");
    java.nio.file.Files.writeString(file, "# the operator's\nadmin-token-0123456789abcdef\n");
    String[] common = {"--event-log", "memory", "--public-host", "127.0.0.1", "--public-port", "0",
        "--ingest-port", "0", "--data-dir", dir.toString()};
    Map<String, String> ingest = Map.of("ATSYNC_INGEST_TOKEN", "ingest-token-0123456789abcdef");
    ServeCommand fromFile = parse(ingest, java.util.stream.Stream.concat(java.util.Arrays.stream(common),
        java.util.stream.Stream.of("--admin-token-file", file.toString())).toArray(String[]::new));
    try (Inverter inv = fromFile.builder().build().start()) {
      assertEquals(200, adminStatus(inv, "admin-token-0123456789abcdef"));
      assertEquals(401, adminStatus(inv, "ingest-token-0123456789abcdef"));
      assertEquals(401, adminStatus(inv, null));
    }
    Map<String, String> env = new java.util.HashMap<>(ingest);
    env.put("ATSYNC_ADMIN_TOKEN", "from-the-environment-0123");
    try (Inverter inv = parse(env, common).builder().build().start()) {
      assertEquals(200, adminStatus(inv, "from-the-environment-0123"));
    }
    try (Inverter inv = parse(ingest, common).builder().build().start()) {
      assertEquals(404, adminStatus(inv, "from-the-environment-0123"), "no admin token: no admin routes");
    }
    java.nio.file.Files.writeString(file, "# nothing else\n");
    CliException e = assertThrows(CliException.class, () -> parse(ingest, java.util.stream.Stream.concat(
        java.util.Arrays.stream(common), java.util.stream.Stream.of("--admin-token-file", file.toString()))
        .toArray(String[]::new)).builder());
    assertTrue(e.getMessage().contains("holds no token"), e.getMessage());
  }
}
