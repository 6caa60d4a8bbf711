package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.inverter.reference.ReferencePeers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code verify} (signatures checked through the PLC directory), {@code repo} and {@code resolve}
 * against the reference TypeScript PDS and PLC directory on 127.0.0.1 (skipped, with the reason,
 * when they are not installed; required in CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferencePeersCliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  ReferencePeers peers;
  String did;
  String handle;

  @BeforeAll
  void startPeers() throws Exception {
    peers = ReferencePeers.start(1);
    JsonNode accounts = peers.call("createAccounts", Map.of("pds", 0, "prefix", "cli", "count", 2)).get("accounts");
    did = accounts.get(0).get("did").asText();
    handle = accounts.get(0).get("handle").asText();
    peers.call("activity", Map.of("dids", List.of(did, accounts.get(1).get("did").asText())));
  }

  @AfterAll
  void stopPeers() {
    if (peers != null) {
      peers.close();
    }
  }

  @Test
  void verifyChecksEverySignatureOfARealPdsStream() throws Exception {
    long last = peers.lastSeq(0);
    Run r = Run.of("verify", peers.pds(0).toString(), "--cursor", "0", "--limit", String.valueOf(last),
        "--plc-url", peers.plc().toString(), "--json");
    assertEquals(0, r.code(), r.out() + r.err());
    List<String> lines = r.out().strip().lines().toList();
    JsonNode summary = JSON.readTree(lines.get(lines.size() - 1));
    assertEquals(last, summary.get("messages").asLong(), r.out());
    assertEquals(0, summary.get("invalid").asLong(), r.out());
    assertTrue(summary.get("signaturesChecked").asLong() > 0, r.out());
    assertEquals(summary.at("/types/#commit").asLong() + summary.at("/types/#sync").asLong(),
        summary.get("signaturesChecked").asLong(), "every #commit's and #sync's signature was checked: " + r.out());
  }

  @Test
  void repoDownloadsVerifiesAndExportsTheRecords() throws Exception {
    Run list = Run.of("repo", did, "--plc-url", peers.plc().toString());
    assertEquals(0, list.code(), list.out() + list.err());
    assertTrue(list.err().contains("verified " + did), list.err());
    assertTrue(list.out().contains("at://" + did + "/app.bsky.feed.post/"), list.out());
    Run posts = Run.of("repo", did, "--plc-url", peers.plc().toString(), "--collection", "app.bsky.feed.post",
        "--json", "--from", peers.pds(0).toString());
    assertEquals(0, posts.code(), posts.err());
    JsonNode first = JSON.readTree(posts.out().lines().findFirst().orElseThrow());
    assertTrue(first.get("uri").asText().startsWith("at://" + did + "/app.bsky.feed.post/"), posts.out());
    assertTrue(first.at("/value/text").asText().startsWith("post "), posts.out());

    // a relay answers getRepo with a redirect to the PDS, which is followed
    com.sun.net.httpserver.HttpServer relay = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    relay.createContext("/xrpc/com.atproto.sync.getRepo", ex -> {
      asked.add(ex.getRequestURI().toString());
      ex.getResponseHeaders().add("Location", peers.pds(0).toString().replaceAll("/+$", "") + ex.getRequestURI());
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    relay.start();
    try {
      Run redirected = Run.of("repo", did, "--plc-url", peers.plc().toString(), "--from",
          "http://127.0.0.1:" + relay.getAddress().getPort());
      assertEquals(0, redirected.code(), redirected.err());
      assertEquals(list.out(), redirected.out());
      assertEquals(1, asked.size(), asked.toString());
    } finally {
      relay.stop(0);
    }
  }

  @Test
  void resolveAHandleAndADidThroughTheLocalPlc() throws Exception {
    Run r = Run.of("resolve", handle, "--plc-url", peers.plc().toString(), "--handle-resolver",
        peers.pds(0).toString(), "--json");
    assertEquals(0, r.code(), r.out() + r.err());
    JsonNode n = JSON.readTree(r.out());
    assertEquals(did, n.get("did").asText());
    assertEquals(handle, n.get("handle").asText());
    assertTrue(n.get("handleVerified").asBoolean());
    assertTrue(n.get("signingKey").asText().startsWith("did:key:z"));
    assertEquals(did, n.at("/document/id").asText());
    Run byDid = Run.of("resolve", did, "--plc-url", peers.plc().toString(), "--handle-resolver",
        peers.pds(0).toString());
    assertEquals(0, byDid.code(), byDid.out() + byDid.err());
    assertTrue(byDid.out().contains("(verified both ways)"), byDid.out());
    Run unknown = Run.of("resolve", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "--plc-url", peers.plc().toString());
    assertEquals(2, unknown.code(), unknown.out());
  }
}
