package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.atsync.cbor.Value;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.crypto.PublicKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Did;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify}, {@code capture} and {@code inspect} against a real inverter on 127.0.0.1 serving
 * signed commits, with a PLC directory (a JDK HttpServer) that serves the account's key, or a
 * forged one.
 */
class StreamCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Did DID = Did.parse("did:plc:abcdefghijklmnopqrstuvwx");
  static final int COMMITS = 20;

  @TempDir
  Path tmp;
  Inverter inverter;
  HttpServer plc;
  final AtomicReference<PublicKey> published = new AtomicReference<>();
  final List<String> agents = new CopyOnWriteArrayList<>();
  PrivateKey key;

  static String didDocument(Did did, PublicKey key, String pds) {
    return "{\"id\":\"" + did + "\",\"alsoKnownAs\":[\"at://alice.test\"],\"verificationMethod\":[{\"id\":\"" + did
        + "#atproto\",\"type\":\"Multikey\",\"controller\":\"" + did + "\",\"publicKeyMultibase\":\""
        + key.multibase() + "\"}],\"service\":[{\"id\":\"#atproto_pds\",\"type\":\"AtprotoPersonalDataServer\","
        + "\"serviceEndpoint\":\"" + pds + "\"}]}";
  }

  @BeforeEach
  void start() throws Exception {
    key = PrivateKey.generate(Curve.SECP256K1);
    published.set(key.publicKey());
    plc = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    plc.createContext("/", ex -> {
      agents.add(ex.getRequestHeaders().getFirst("User-Agent"));
      byte[] body = ex.getRequestURI().getPath().equals("/" + DID)
          ? didDocument(DID, published.get(), "http://127.0.0.1:1").getBytes(StandardCharsets.UTF_8) : null;
      ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    plc.start();
    inverter = Inverter.builder().log(EventLog.inMemory()).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly().build().start();
    Repository repo = Repository.create(DID, key, BlockStore.inMemory());
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < COMMITS; i++) {
      frames.add(CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/p" + i),
          new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of("hello " + i),
              "createdAt", Value.of("2026-11-23T07:00:00.000Z")))))), 1, Instant.now()).toFrame());
    }
    inverter.publish(frames);
  }

  @AfterEach
  void stop() {
    inverter.close();
    plc.stop(0);
  }

  String stream() {
    return "ws://127.0.0.1:" + inverter.publicPort();
  }

  String plcUrl() {
    return "http://127.0.0.1:" + plc.getAddress().getPort();
  }

  @Test
  void aSignedStreamVerifiesWithSignaturesChecked() throws Exception {
    Run r = Run.of("verify", stream(), "--cursor", "0", "--limit", String.valueOf(COMMITS), "--plc-url", plcUrl(),
        "--json");
    assertEquals(0, r.code(), r.out() + r.err());
    List<String> lines = r.out().strip().lines().toList();
    JsonNode summary = JSON.readTree(lines.get(lines.size() - 1));
    assertEquals("summary", summary.get("kind").asText());
    assertEquals(COMMITS, summary.get("messages").asLong());
    assertEquals(COMMITS, summary.get("valid").asLong());
    assertEquals(COMMITS, summary.get("signaturesChecked").asLong());
    assertEquals("atsync/" + Atsync.Version.VERSION, agents.get(0), "User-Agent on the PLC request");
  }

  @Test
  void aForgedSignatureFailsAfterOneRefresh() throws Exception {
    published.set(PrivateKey.generate(Curve.SECP256K1).publicKey());
    Run r = Run.of("verify", stream(), "--cursor", "0", "--limit", "3", "--plc-url", plcUrl());
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("BAD_SIGNATURE"), r.out());
    assertTrue(r.out().contains("summary: 3 messages, 0 valid, 3 invalid"), r.out());
    assertTrue(agents.size() >= 2, "the cached key was refreshed before the signature was called bad: " + agents);
    Run skipped = Run.of("verify", stream(), "--cursor", "0", "--limit", "3", "--no-signatures");
    assertEquals(0, skipped.code(), skipped.out());
  }

  @Test
  void captureThenVerifyAndInspectTheFile() throws Exception {
    Path file = tmp.resolve("frames.bin");
    Run c = Run.of("capture", stream(), "--cursor", "0", "--limit", "10", "-o", file.toString());
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("captured 10 frames"), c.out());
    Run v = Run.of("verify", file.toString(), "--plc-url", plcUrl());
    assertEquals(0, v.code(), v.out() + v.err());
    assertTrue(v.out().contains("summary: 10 messages, 10 valid"), v.out());
    Run i = Run.of("inspect", file.toString());
    assertEquals(0, i.code(), i.err());
    List<String> lines = i.out().strip().lines().toList();
    assertEquals(10, lines.size());
    JsonNode first = JSON.readTree(lines.get(0));
    assertEquals("#commit", first.at("/header/t").asText());
    assertEquals(1, first.at("/body/seq").asLong());
    assertTrue(first.at("/body/commit/$link").asText().startsWith("bafy"), lines.get(0));
    assertTrue(first.at("/body/blocks/$bytes").isTextual(), lines.get(0));

    // a truncated file: the frames before the cut are checked, the cut is reported, exit 1
    byte[] all = Files.readAllBytes(file);
    Path cut = Files.write(tmp.resolve("cut.bin"), java.util.Arrays.copyOf(all, all.length - 5));
    Run t = Run.of("verify", cut.toString(), "--no-signatures");
    assertEquals(1, t.code(), t.out());
    assertTrue(t.out().contains("MALFORMED_FRAME") && t.out().contains("truncated"), t.out());

    // a damaged frame mid-file: reported with where it is and why, and the frames after it are read
    byte[] damaged = all.clone();
    int at = 16; // after the "atsync-frames 1\n" magic
    for (int r = 0; r < 3; r++) {
      at += 4 + java.nio.ByteBuffer.wrap(damaged, at, 4).getInt();
    }
    damaged[at + 4] = (byte) 0xff; // the fourth frame's header now starts with a CBOR "break"
    Path bad = Files.write(tmp.resolve("bad.bin"), damaged);
    Run d = Run.of("verify", bad.toString(), "--no-signatures");
    assertEquals(1, d.code(), d.out());
    assertTrue(d.out().contains("MALFORMED_FRAME") && d.out().contains("frame 4 (file byte " + (at + 4)), d.out());
    assertTrue(d.out().contains("summary: 10 messages"), d.out());
  }

  @Test
  void inspectASingleFrameAndABlock() throws Exception {
    Path file = tmp.resolve("frames.bin");
    assertEquals(0, Run.of("capture", stream(), "--cursor", "0", "--limit", "1", "-o", file.toString()).code());
    byte[] frame;
    try (FrameFile.Reader in = new FrameFile.Reader(Files.newInputStream(file), "f")) {
      frame = in.next();
    }
    Run f = Run.of("inspect", Files.write(tmp.resolve("one.frame"), frame).toString());
    assertEquals(0, f.code(), f.err());
    assertEquals("#commit", JSON.readTree(f.out()).at("/header/t").asText());
    byte[] block = dev.atsync.cbor.DagCbor.encode(new Value.Map(Map.of("a", Value.of(1), "b", new Value.Bytes(
        new byte[] {1, 2, 3}))));
    Run b = Run.of("inspect", Files.write(tmp.resolve("one.block"), block).toString());
    assertEquals(0, b.code(), b.err());
    assertEquals("{\"a\":1,\"b\":{\"$bytes\":\"AQID\"}}", b.out().strip());
    Run bad = Run.of("inspect", Files.write(tmp.resolve("junk"), new byte[] {(byte) 0xff, 0, 1}).toString());
    assertEquals(1, bad.code());
  }

  @Test
  void theWebSocketHandshakeNamesTheTool() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getByName("127.0.0.1"))) {
      java.util.concurrent.CompletableFuture<String> request = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (java.net.Socket s = server.accept()) {
          java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
              StandardCharsets.US_ASCII));
          StringBuilder head = new StringBuilder();
          for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            head.append(line).append('\n');
          }
          return head.toString(); // then closed without an answer: not a stream
        } catch (java.io.IOException e) {
          return e.toString();
        }
      });
      Run r = Run.of("verify", "ws://127.0.0.1:" + server.getLocalPort(), "--no-signatures");
      assertEquals(2, r.code(), r.out() + r.err());
      String head = request.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(head.startsWith("GET /xrpc/com.atproto.sync.subscribeRepos HTTP/1.1"), head);
      assertTrue(head.contains("User-Agent: atsync/" + Atsync.Version.VERSION + "\n"), head);
    }
  }

  @Test
  void noServerIsAConnectionError() throws Exception {
    int port = dev.atsync.inverter.FreePorts.take(1)[0];
    Run r = Run.of("verify", "ws://127.0.0.1:" + port, "--no-signatures");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("could not connect"), r.err());
  }
}
