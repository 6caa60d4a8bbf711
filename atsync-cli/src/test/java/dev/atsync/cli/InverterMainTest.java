package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.identity.CachingIdentityResolver;
import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.TestSubscriber;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Option parsing of the standalone server. */
class InverterMainTest {
  @Test
  void flagsWinOverEnvironmentOverDefaults() {
    Map<String, List<String>> o = InverterMain.parse(new String[] {"--seq-floor", "500", "--token=aaaaaaaaaaaaaaaa1"},
        Map.of("ATSYNC_SEQ_FLOOR", "9", "ATSYNC_PUBLIC_PORT", "3000", "ATSYNC_TOKEN", "x,y"));
    assertEquals(500, InverterMain.number(o, "seq-floor"));
    assertEquals(3000, InverterMain.number(o, "public-port"));
    assertEquals(List.of("aaaaaaaaaaaaaaaa1"), o.get("token"));
    assertEquals("sqlite", InverterMain.one(o, "log"));
    assertThrows(IllegalArgumentException.class, () -> InverterMain.parse(new String[] {"--nope", "1"}, Map.of()));
    assertThrows(IllegalArgumentException.class, () -> InverterMain.parse(new String[] {"--seq-floor"}, Map.of()));
  }

  @Test
  void signatureChecksUseTheCachingResolver() {
    Map<String, List<String>> on = InverterMain.parse(new String[] {"--signatures", "on", "--plc-url",
        "http://127.0.0.1:1"}, Map.of());
    assertTrue(InverterMain.keys(on).orElseThrow() instanceof CachingIdentityResolver);
    assertEquals(java.util.Optional.empty(), InverterMain.keys(InverterMain.parse(new String[0], Map.of())));
    assertThrows(IllegalArgumentException.class,
        () -> InverterMain.keys(InverterMain.parse(new String[] {"--signatures", "maybe"}, Map.of())));
    assertThrows(IllegalArgumentException.class, () -> InverterMain.check("sometimes", java.util.Optional.empty()));
    assertEquals(EventCheck.NONE, InverterMain.check("off", java.util.Optional.empty()));
  }

  @Test
  void crawlRelaysBuildAKeeperThatAsksAtStart() throws Exception {
    assertEquals(null, InverterMain.crawlKeeper(InverterMain.parse(new String[0], Map.of())));
    assertThrows(IllegalArgumentException.class, () -> InverterMain.crawlKeeper(
        InverterMain.parse(new String[] {"--crawl-relay", "http://127.0.0.1:1"}, Map.of())));
    List<String> crawls = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer relay = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    relay.createContext("/xrpc/com.atproto.sync.requestCrawl", ex -> {
      crawls.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    relay.start();
    try (dev.atsync.relay.crawl.CrawlKeeper keeper = InverterMain.crawlKeeper(InverterMain.parse(new String[0],
        Map.of("ATSYNC_CRAWL_RELAY", "http://127.0.0.1:" + relay.getAddress().getPort(),
            "ATSYNC_CRAWL_HOSTNAME", "pds.example.com")))) {
      keeper.start().join();
      assertEquals(1, crawls.size());
      assertTrue(crawls.get(0).contains("pds.example.com"));
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

  @Test
  void adminTokenFromItsFileOpensTheAdminRoutes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("admin-token");
    java.nio.file.Files.writeString(file, "# the operator's\nadmin-token-0123456789abcdef\n");
    Map<String, List<String>> o = InverterMain.parse(new String[] {"--admin-token-file", file.toString(),
        "--log", "memory", "--token", "ingest-token-0123456789abcdef", "--public-host", "127.0.0.1",
        "--public-port", "0", "--ingest-port", "0", "--data-dir", dir.toString()}, Map.of());
    assertEquals("admin-token-0123456789abcdef", InverterMain.adminToken(o));
    assertEquals("from-the-environment-0123", InverterMain.adminToken(InverterMain.parse(new String[0],
        Map.of("ATSYNC_ADMIN_TOKEN", "from-the-environment-0123"))));
    assertEquals(null, InverterMain.adminToken(InverterMain.parse(new String[0], Map.of())));
    try (Inverter inv = InverterMain.build(o).start()) {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + inv.ingestPort().orElseThrow()
              + "/admin/log")).header("Authorization", "Bearer admin-token-0123456789abcdef").build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"store\":\"memory\""), r.body());
    }
  }
}
