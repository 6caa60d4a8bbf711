package dev.atsync.firehose.identity;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.crypto.PublicKey;
import dev.atsync.firehose.identity.IdentityException.Kind;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IdentityResolverTest {
  static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
  final Map<String, String> docs = new ConcurrentHashMap<>();
  final Map<String, Integer> status = new ConcurrentHashMap<>();
  final AtomicInteger hits = new AtomicInteger();
  volatile long delayMs;
  HttpServer server;
  HttpIdentityResolver http;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      hits.incrementAndGet();
      String path = ex.getRequestURI().getPath();
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      String doc = docs.get(path);
      byte[] body = doc == null ? new byte[0] : doc.getBytes(StandardCharsets.UTF_8);
      int code = status.getOrDefault(path, doc == null ? 404 : 200);
      ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
    http = HttpIdentityResolver.builder()
        .plcDirectory(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .timeout(Duration.ofMillis(800)).webAllowHttp(true).build();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  static String doc(Did did, PublicKey key, String type, String mb) {
    return "{\"@context\":[\"https://www.w3.org/ns/did/v1\"],\"id\":\"" + did + "\","
        + "\"alsoKnownAs\":[\"at://alice.test\"],"
        + "\"verificationMethod\":[{\"id\":\"" + did + "#atproto\",\"type\":\"" + type + "\","
        + "\"controller\":\"" + did + "\",\"publicKeyMultibase\":\"" + mb + "\"}],"
        + "\"service\":[{\"id\":\"#atproto_pds\",\"type\":\"AtprotoPersonalDataServer\","
        + "\"serviceEndpoint\":\"https://pds.example.com\"}]}";
  }

  static String doc(Did did, PublicKey key) {
    return doc(did, key, "Multikey", key.didKey().substring("did:key:".length()));
  }

  @Test
  void resolvesPlcKeyPdsHandle() throws Exception {
    PublicKey key = PrivateKey.generate(Curve.SECP256K1).publicKey();
    docs.put("/" + DID, doc(DID, key));
    Identity id = http.resolve(DID);
    assertEquals(key, id.signingKey());
    assertEquals(Optional.of(Handle.parse("alice.test")), id.handle());
    assertEquals(Optional.of(URI.create("https://pds.example.com")), id.pds());
  }

  @Test
  void resolvesDidWebWithEncodedPort() throws Exception {
    PublicKey key = PrivateKey.generate(Curve.P256).publicKey();
    Did did = Did.parse("did:web:127.0.0.1%3A" + server.getAddress().getPort());
    docs.put("/.well-known/did.json", doc(did, key));
    assertEquals(key, http.resolve(did).signingKey());
    IdentityException e = assertThrows(IdentityException.class, () -> http.resolve(Did.parse("did:web:example.com:user:alice")));
    assertEquals(Kind.UNSUPPORTED_DID, e.kind());
  }

  @Test
  void typedErrors() {
    PublicKey key = PrivateKey.generate(Curve.P256).publicKey();
    assertEquals(Kind.NOT_FOUND, assertThrows(IdentityException.class, () -> http.resolve(DID)).kind());
    docs.put("/" + DID, doc(Did.parse("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), key));
    assertEquals(Kind.MALFORMED_DOCUMENT, assertThrows(IdentityException.class, () -> http.resolve(DID)).kind());
    docs.put("/" + DID, "{\"id\":");
    assertEquals(Kind.MALFORMED_DOCUMENT, assertThrows(IdentityException.class, () -> http.resolve(DID)).kind());
    docs.put("/" + DID, doc(DID, key, "Multikey", "zNotAKey"));
    assertEquals(Kind.MALFORMED_DOCUMENT, assertThrows(IdentityException.class, () -> http.resolve(DID)).kind());
    docs.put("/" + DID, "{\"id\":\"" + DID + "\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
    IdentityException big = assertThrows(IdentityException.class, () -> http.resolve(DID));
    assertEquals(Kind.HTTP_ERROR, big.kind());
    assertTrue(big.getMessage().contains("exceeds"), big.getMessage());
    docs.put("/" + DID, doc(DID, key));
    status.put("/" + DID, 500);
    assertEquals(Kind.HTTP_ERROR, assertThrows(IdentityException.class, () -> http.resolve(DID)).kind());
    status.clear();
    delayMs = 2000;
    assertEquals(Kind.HTTP_ERROR, assertThrows(IdentityException.class, () -> http.resolve(DID)).kind());
  }

  static final class MutableClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId z) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void cachesAndExpires() throws Exception {
    PublicKey key = PrivateKey.generate(Curve.P256).publicKey();
    docs.put("/" + DID, doc(DID, key));
    MutableClock clock = new MutableClock();
    CachingIdentityResolver c = new CachingIdentityResolver(http, Duration.ofMinutes(10), 10, Duration.ofMinutes(1), clock);
    c.resolve(DID);
    c.resolve(DID);
    assertEquals(1, hits.get());
    clock.now = clock.now.plus(Duration.ofMinutes(11));
    c.resolve(DID);
    assertEquals(2, hits.get());
  }

  @Test
  void refreshOnceOnRotatedKey() throws Exception {
    PrivateKey oldKey = PrivateKey.generate(Curve.SECP256K1);
    PrivateKey newKey = PrivateKey.generate(Curve.SECP256K1);
    docs.put("/" + DID, doc(DID, oldKey.publicKey()));
    MutableClock clock = new MutableClock();
    CachingIdentityResolver c = new CachingIdentityResolver(http, Duration.ofHours(1), 10, Duration.ofMinutes(1), clock);
    c.resolve(DID);
    docs.put("/" + DID, doc(DID, newKey.publicKey()));
    byte[] msg = "commit".getBytes(StandardCharsets.UTF_8);
    byte[] sig = newKey.sign(msg);
    assertEquals(1, hits.get());
    assertTrue(c.verifies(DID, k -> k.verify(msg, sig)));
    assertEquals(2, hits.get());
    // A forged signature: at most one refresh per interval.
    byte[] forged = oldKey.sign(msg);
    assertFalse(c.verifies(DID, k -> k.verify(msg, forged)));
    assertFalse(c.verifies(DID, k -> k.verify(msg, forged)));
    assertEquals(2, hits.get(), "no refresh within the rate-limit window");
    clock.now = clock.now.plus(Duration.ofMinutes(2));
    assertFalse(c.verifies(DID, k -> k.verify(msg, forged)));
    assertEquals(3, hits.get());
  }
}
