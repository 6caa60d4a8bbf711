package dev.atsync.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.log.EventLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Each example starts, does its job against 127.0.0.1, and exits 0. */
class ExamplesSmokeTest {
  static final String TOKEN = "examples-token-0123456789";

  static PrintStream capture(ByteArrayOutputStream out) {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }

  @Test
  void embeddedPdsPublishesVerifiableCommits() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, EmbeddedPds.run(8, capture(out)), out.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("verified 8 of 8"));
  }

  @Test
  void postToAStandaloneInverterWithTheClient() {
    try (Inverter inv = Inverter.builder().log(EventLog.inMemory())
        .publicAddress(new InetSocketAddress("127.0.0.1", 0)).ingestAddress(new InetSocketAddress("127.0.0.1", 0))
        .ingestTokens(List.of(TOKEN)).build().start()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int code = PostToInverter.run("http://127.0.0.1:" + inv.ingestPort().orElseThrow(), TOKEN, 6, capture(out));
      assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
      assertTrue(out.toString(StandardCharsets.UTF_8).contains("seqs [1, 2, 3, 4, 5, 6]"),
          out.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void crawlKeeperAsksEveryRelay() throws Exception {
    List<String> crawls = new CopyOnWriteArrayList<>();
    HttpServer relay = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    relay.createContext("/xrpc/com.atproto.sync.requestCrawl", ex -> {
      crawls.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    relay.createContext("/xrpc/com.atproto.sync.getHostStatus", ex -> {
      byte[] b = "{\"hostname\":\"pds.example.com\",\"seq\":5,\"accountCount\":1,\"status\":\"active\"}"
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    relay.start();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      String url = "http://127.0.0.1:" + relay.getAddress().getPort();
      assertEquals(0, KeepCrawled.run("pds.example.com", List.of(url), capture(out)), out.toString(StandardCharsets.UTF_8));
      assertEquals(1, crawls.size());
      assertTrue(crawls.get(0).contains("\"hostname\":\"pds.example.com\""), crawls.get(0));
      assertTrue(out.toString(StandardCharsets.UTF_8).contains("host status active"), out.toString(StandardCharsets.UTF_8));
    } finally {
      relay.stop(0);
    }
  }
}
