package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.firehose.Frame;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin routes on the ingest listener, over real sockets, with a real subscriber. */
class AdminRoutesTest {
  static final String TOKEN = TestInverters.TOKEN;
  static final String ADMIN = "admin-token-fedcba9876543210";
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  Inverter inverter;
  final List<TestSubscriber> subscribers = new ArrayList<>();

  Inverter start(UnaryOperator<Inverter.Builder> config) {
    EventLog log = EventLog.over(SqliteEventStore.open(dir,
        SqliteEventStore.Settings.DEFAULT.withRetention(Retention.ofAge(Duration.ofHours(48)))));
    inverter = config.apply(TestInverters.loopback(log))
        .build()
        .start();
    return inverter;
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (TestSubscriber s : subscribers) {
      s.closeBlocking();
    }
    if (inverter != null) {
      inverter.close();
    }
  }

  HttpResponse<String> admin(String method, String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inverter.ingestPort().orElseThrow()
        + path)).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode ok(String method, String path) throws Exception {
    HttpResponse<String> r = admin(method, path, ADMIN);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    return JSON.readTree(r.body());
  }

  long post(String did, int n) throws Exception {
    long last = 0;
    for (int i = 0; i < n; i++) {
      Frame f = TestEvents.commit(did, TestEvents.nextRev());
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + inverter.ingestPort().orElseThrow() + "/events"))
          .header("Content-Type", "application/vnd.ipld.dag-cbor").header("Authorization", "Bearer " + TOKEN)
          .POST(HttpRequest.BodyPublishers.ofByteArray(f.bytes())).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      last = TestEvents.seqs(r.body()).get(0);
    }
    return last;
  }

  TestSubscriber subscribe() throws InterruptedException {
    TestSubscriber s = TestSubscriber.connect(inverter.publicPort(), null);
    subscribers.add(s);
    return s;
  }

  /** The subscriber list, once it shows {@code cursor} for the one subscriber (the fan-out moves it). */
  JsonNode awaitCursor(long cursor) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      JsonNode list = ok("GET", "/admin/subscribers");
      if (list.size() == 1 && list.get(0).get("cursor").asLong() == cursor) {
        return list.get(0);
      }
      assertTrue(System.nanoTime() < deadline, "cursor " + cursor + " never shown: " + list);
      Thread.sleep(10);
    }
  }

  @Test
  void listShowsARealSubscribersCursorMovingAndDisconnectCloses() throws Exception {
    start(b -> b.adminToken(ADMIN));
    Instant before = Instant.now().minusSeconds(1);
    TestSubscriber s = subscribe();
    String did = TestEvents.did(5);

    long first = post(did, 3);
    s.await(3, 10);
    JsonNode one = awaitCursor(first);
    assertEquals(0, one.get("lag").asLong());
    assertTrue(one.get("remote").asText().contains("127.0.0.1:" + s.getLocalSocketAddress().getPort()),
        one.toString());
    assertTrue(one.get("bytesQueued").asLong() >= 0);
    Instant since = Instant.parse(one.get("connectedSince").asText());
    assertFalse(since.isBefore(before), since.toString());
    assertFalse(one.get("backfilling").asBoolean());

    long second = post(did, 4);
    s.await(7, 10);
    JsonNode moved = awaitCursor(second);
    assertTrue(second > first);
    assertEquals(one.get("id").asLong(), moved.get("id").asLong(), "the same subscriber");

    // the log, as the operator sees it
    JsonNode log = ok("GET", "/admin/log");
    assertEquals("sqlite", log.get("store").asText());
    assertEquals(second, log.get("lastSeq").asLong());
    assertEquals(second - 6, log.get("firstSeq").asLong());
    assertEquals(7, log.get("events").asLong());
    assertEquals(Duration.ofHours(48).toSeconds(), log.get("window").get("maxAgeSeconds").asLong());
    assertTrue(log.get("window").get("maxEvents").isNull());
    assertTrue(log.get("sizeOnDiskBytes").asLong() >= Files.size(dir.resolve("events.db")), log.toString());
    assertEquals("OK", log.get("status").asText());

    // no upstreams here: an empty list
    assertEquals(0, ok("GET", "/admin/upstreams").size());

    // disconnect: the subscriber gets a close frame, and leaves the list
    long id = moved.get("id").asLong();
    assertEquals(405, admin("GET", "/admin/subscribers/" + id + "/disconnect", ADMIN).statusCode());
    JsonNode d = ok("POST", "/admin/subscribers/" + id + "/disconnect");
    assertEquals(id, d.get("disconnected").asLong());
    assertTrue(s.closed.await(10, TimeUnit.SECONDS), "closed");
    assertEquals(1000, s.closeCode);
    assertEquals(0, ok("GET", "/admin/subscribers").size());
    assertEquals(404, admin("POST", "/admin/subscribers/" + id + "/disconnect", ADMIN).statusCode());
    assertEquals(400, admin("POST", "/admin/subscribers/x1/disconnect", ADMIN).statusCode());
    assertEquals(404, admin("GET", "/admin/nothing", ADMIN).statusCode());
  }

  @Test
  void withoutTheAdminTokenEveryRouteIs401() throws Exception {
    start(b -> b.adminToken(ADMIN));
    subscribe();
    for (String path : List.of("/admin/subscribers", "/admin/upstreams", "/admin/log", "/admin/nothing")) {
      HttpResponse<String> none = admin("GET", path, null);
      assertEquals(401, none.statusCode(), path);
      assertEquals("AuthenticationRequired", JSON.readTree(none.body()).get("error").asText());
      HttpResponse<String> wrong = admin("GET", path, ADMIN + "x");
      assertEquals(401, wrong.statusCode(), path);
      assertEquals("InvalidToken", JSON.readTree(wrong.body()).get("error").asText());
      assertEquals(401, admin("GET", path, TOKEN).statusCode(), "an ingest token is not an admin token");
    }
    HttpResponse<String> d = admin("POST", "/admin/subscribers/1/disconnect", TOKEN);
    assertEquals(401, d.statusCode());
    assertEquals(1, inverter.subscriberCount(), "nobody was disconnected");
    // and the admin token does not open ingest
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + inverter.ingestPort().orElseThrow() + "/events"))
        .header("Content-Type", "application/vnd.ipld.dag-cbor").header("Authorization", "Bearer " + ADMIN)
        .POST(HttpRequest.BodyPublishers.ofByteArray(TestEvents.commit(TestEvents.did(6), TestEvents.nextRev())
            .bytes())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, r.statusCode());
  }

  @Test
  void withNoAdminTokenConfiguredTheRoutesDoNotExist() throws Exception {
    start(b -> b);
    for (String token : new String[] {null, TOKEN, ADMIN}) {
      HttpResponse<String> r = admin("GET", "/admin/subscribers", token);
      assertEquals(404, r.statusCode());
      assertEquals("NotFound", JSON.readTree(r.body()).get("error").asText());
    }
  }

  @Test
  void upstreamsAreListed() throws Exception {
    int nobody = FreePorts.take(1)[0];
    start(b -> b.adminToken(ADMIN).upstream(URI.create("ws://127.0.0.1:" + nobody)));
    JsonNode ups = ok("GET", "/admin/upstreams");
    assertEquals(1, ups.size());
    assertTrue(ups.get(0).get("endpoint").asText().endsWith("/xrpc/com.atproto.sync.subscribeRepos"));
    assertFalse(ups.get(0).get("connected").asBoolean());
    assertEquals(0, ups.get(0).get("events").asLong());
    // and its series, labelled with the endpoint
    String endpoint = ups.get(0).get("endpoint").asText();
    String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inverter.ingestPort().orElseThrow()
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    for (String series : List.of("atsync_inverter_upstream_connected", "atsync_inverter_upstream_seq",
        "atsync_inverter_upstream_events_total", "atsync_inverter_upstream_duplicates_total",
        "atsync_inverter_upstream_refused_total", "atsync_inverter_upstream_reconnects_total",
        "atsync_inverter_upstream_cursor_resets_total")) {
      assertTrue(text.contains(series + "{upstream=\"" + endpoint + "\"}"), series + " in\n" + text);
    }
  }

  @Test
  void adminTokenRules() {
    EventLog log = EventLog.inMemory();
    assertThrows(IllegalArgumentException.class, () -> Inverter.builder().log(log).ingestTokens(List.of(TOKEN))
        .adminToken("short").build());
    assertThrows(IllegalArgumentException.class, () -> Inverter.builder().log(log).ingestTokens(List.of(TOKEN))
        .adminToken(TOKEN).build());
    assertThrows(IllegalStateException.class, () -> Inverter.builder().log(log).inProcessIngestOnly()
        .adminToken(ADMIN).build());
    log.close();
  }
}
