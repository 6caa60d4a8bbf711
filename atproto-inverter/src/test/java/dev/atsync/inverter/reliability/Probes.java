package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.TestInverters;
import dev.atsync.inverter.TestSubscriber;
import dev.atsync.inverter.log.EventLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;

/**
 * What the reliability probes share: an inverter on 127.0.0.1 with both listeners, a client that
 * posts and reads health with a deadline (a probe that hangs is a failed probe, not a hung build),
 * and clean-up.
 */
abstract class Probes {
  static final String TOKEN = TestInverters.TOKEN;
  static final String PATH = "/xrpc/com.atproto.sync.subscribeRepos";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  Inverter inverter;
  EventLog log;
  final List<AutoCloseable> open = new ArrayList<>();

  Inverter start(UnaryOperator<Inverter.Builder> config) {
    return start(EventLog.inMemory(), config);
  }

  Inverter start(EventLog l, UnaryOperator<Inverter.Builder> config) {
    log = l;
    inverter = config.apply(TestInverters.loopback(l)
        .onFatalError(t -> { }))
        .build()
        .start();
    return inverter;
  }

  <T extends AutoCloseable> T track(T c) {
    open.add(c);
    return c;
  }

  @AfterEach
  void closeAll() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        // closing anyway
      }
    }
    if (inverter != null) {
      inverter.close();
    }
  }

  TestSubscriber subscribe(Long cursor) throws InterruptedException {
    TestSubscriber s = TestSubscriber.connect(inverter.publicPort(), cursor);
    open.add(s::closeBlocking);
    return s;
  }

  int ingestPort() {
    return inverter.ingestPort().orElseThrow();
  }

  record Answer(int status, String body) {}

  /** Posts {@code body}; a request that gets no answer within {@code timeout} is status 0. */
  static Answer post(int port, byte[] body, Duration timeout) {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events"))
        .timeout(timeout)
        .header("Content-Type", "application/vnd.ipld.dag-cbor")
        .header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return send(r);
  }

  /** Sends {@code r}; status 0, with the reason as the body, when there is no answer in time. */
  private static Answer send(HttpRequest r) {
    try {
      HttpResponse<String> a = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
      return new Answer(a.statusCode(), a.body());
    } catch (java.io.IOException e) {
      return new Answer(0, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, "interrupted");
    }
  }

  Answer post(Frame... frames) {
    return post(ingestPort(), TestEvents.concat(List.of(frames)), Duration.ofSeconds(10));
  }

  /** GETs a path of the ingest listener; status 0 when there is no answer in time. */
  static Answer get(int port, String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build());
  }

  /** Asserts the inverter is ready and a live subscriber receives a newly posted event. */
  void assertStillServing() throws Exception {
    assertEquals(200, get(ingestPort(), "/health/ready").status(), "ready");
    TestSubscriber live = subscribe(null);
    Answer a = post(TestEvents.commit(TestEvents.did(424242), TestEvents.nextRev()));
    assertEquals(200, a.status(), a.body());
    live.await(1, 10);
  }

  /** Waits until {@code condition} holds, up to {@code millis}; whether it did. */
  static boolean eventually(long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }
}
