package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.atsync.cbor.Value;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.inverter.FreePorts;
import dev.atsync.inverter.TestEvents;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Did;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path through the tool: {@code atsync serve} (its own JVM, signatures checked against a
 * PLC directory on 127.0.0.1, JSON log lines) takes signed commits over HTTP; {@code atsync verify}
 * and {@code atsync capture} read them back from its subscribeRepos listener.
 */
class ServeVerifyTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOKEN = "serve-verify-token-0123456789";
  static final Did DID = Did.parse("did:plc:bbbbbbbbbbbbbbbbbbbbbbbb");

  @TempDir
  Path tmp;

  @Test
  void serveTakesSignedCommitsAndVerifyReadsThemBack() throws Exception {
    PrivateKey key = PrivateKey.generate(Curve.P256);
    HttpServer plc = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    plc.createContext("/", ex -> {
      byte[] body = ex.getRequestURI().getPath().equals("/" + DID)
          ? StreamCommandsTest.didDocument(DID, key.publicKey(), "http://127.0.0.1:1").getBytes(StandardCharsets.UTF_8)
          : null;
      ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    plc.start();
    String plcUrl = "http://127.0.0.1:" + plc.getAddress().getPort();
    int[] ports = FreePorts.take(2);
    Path log = tmp.resolve("serve.log");
    Process serve = Run.serve(Map.of("ATSYNC_INGEST_TOKEN", TOKEN, "ATSYNC_PLC_URL", plcUrl, "ATSYNC_LOG_LEVEL", "info"),
        "--public-host", "127.0.0.1", "--public-port", String.valueOf(ports[0]), "--ingest-port",
        String.valueOf(ports[1]), "--data-dir", tmp.resolve("data").toString(), "--check-signatures",
        "--log-format", "json").redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      Repository repo = Repository.create(DID, key, BlockStore.inMemory());
      List<Frame> frames = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        frames.add(CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/s" + i),
            new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of("hi " + i),
                "createdAt", Value.of("2026-11-23T07:00:00.000Z")))))), 1, Instant.now()).toFrame());
      }
      int status = post(http, ports[1], TestEvents.concat(frames));
      assertEquals(200, status, "serve took the signed commits (log: " + Files.readString(log) + ")");
      // a commit signed with another key is refused by serve's signature check
      PrivateKey other = PrivateKey.generate(Curve.P256);
      Repository forged = Repository.create(DID, other, BlockStore.inMemory());
      Frame bad = CommitEvent.of(forged.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/x"),
          new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of("x"),
              "createdAt", Value.of("2026-11-23T07:00:00.000Z")))))), 1, Instant.now()).toFrame();
      assertEquals(400, post(http, ports[1], bad.bytes()));

      String stream = "http://127.0.0.1:" + ports[0];
      Run v = Run.of("verify", stream, "--cursor", "0", "--limit", "8", "--plc-url", plcUrl);
      assertEquals(0, v.code(), v.out() + v.err());
      assertTrue(v.out().contains("summary: 8 messages, 8 valid, 0 invalid, 0 ignored (stale), 8 signatures checked"),
          v.out());
      Path file = tmp.resolve("frames.bin");
      Run c = Run.of("capture", stream + "/xrpc/com.atproto.sync.subscribeRepos", "--cursor", "2", "--limit", "3",
          "-o", file.toString());
      assertEquals(0, c.code(), c.err());
      Run i = Run.of("inspect", file.toString());
      assertEquals(List.of(3L, 4L, 5L), i.out().lines().map(l -> {
        try {
          return JSON.readTree(l).at("/body/seq").asLong();
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }).toList());
    } finally {
      serve.destroy();
      assertTrue(serve.waitFor(30, TimeUnit.SECONDS));
      plc.stop(0);
    }
    // every line serve logged is one JSON object with a timestamp
    List<String> lines = Files.readAllLines(log);
    assertTrue(lines.size() >= 2, "serve logged: " + lines);
    for (String line : lines) {
      JsonNode n = JSON.readTree(line);
      assertTrue(n.get("timestamp").asLong() > 0, line);
      assertTrue(n.has("formattedMessage") && n.has("level"), line);
    }
    assertTrue(lines.stream().anyMatch(l -> l.contains("serving subscribeRepos on 127.0.0.1:" + ports[0])), lines.toString());
  }

  static int post(HttpClient http, int port, byte[] body) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events"))
            .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/vnd.ipld.dag-cbor")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode();
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100); // not listening yet
      }
    }
  }
}
