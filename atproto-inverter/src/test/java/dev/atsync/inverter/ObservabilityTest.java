package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} after real traffic over real sockets: posts in, a live subscriber out. */
class ObservabilityTest {
  static final String TOKEN = TestInverters.TOKEN;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path dir;
  Inverter inverter;
  TestSubscriber subscriber;

  Inverter start(UnaryOperator<Inverter.Builder> config) {
    EventLog log = EventLog.over(SqliteEventStore.open(dir, SqliteEventStore.Settings.DEFAULT));
    inverter = config.apply(TestInverters.loopback(log))
        .build()
        .start();
    return inverter;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (subscriber != null) {
      subscriber.closeBlocking();
    }
    if (inverter != null) {
      inverter.close();
    }
  }

  HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inverter.ingestPort().orElseThrow()
        + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  void post(int n) throws Exception {
    String did = TestEvents.did(3);
    for (int i = 0; i < n; i++) {
      Frame f = TestEvents.commit(did, TestEvents.nextRev());
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + inverter.ingestPort().orElseThrow() + "/events"))
          .header("Content-Type", "application/vnd.ipld.dag-cbor").header("Authorization", "Bearer " + TOKEN)
          .POST(HttpRequest.BodyPublishers.ofByteArray(f.bytes())).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
    }
  }

  /** The value of the one sample of {@code series} (a name with its labels, as exposed). */
  static double sample(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    assertTrue(m.find(), series + " in\n" + text);
    return Double.parseDouble(m.group(1));
  }

  static void hasSeries(String text, String name) {
    assertTrue(Pattern.compile("(?m)^" + Pattern.quote(name) + "[{ ]").matcher(text).find(), name + " in\n" + text);
  }

  @Test
  void everyNamedSeriesAfterRealTraffic() throws Exception {
    start(b -> b);
    subscriber = TestSubscriber.connect(inverter.publicPort(), null);
    int n = 20;
    post(n);
    subscriber.await(n, 20);
    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"), r.headers().toString());
    String text = r.body();
    System.out.println(text); // the exposition after real traffic, for the record (surefire's -output.txt)

    // the inverter's own series, under the names they always had
    assertEquals(n, sample(text, "atsync_inverter_events_ingested_total"));
    assertEquals(0, sample(text, "atsync_inverter_events_duplicate_total"));
    assertEquals(n, sample(text, "atsync_inverter_deliveries_total"));
    assertEquals(1, sample(text, "atsync_inverter_subscribers"));
    assertEquals(inverter.meterRegistry().get("atsync_inverter_last_seq").gauge().value(),
        sample(text, "atsync_inverter_last_seq"));
    assertEquals(1, sample(text, "atsync_inverter_ready"));
    assertEquals(1, sample(text, "atsync_inverter_live"));
    for (String s : List.of("atsync_inverter_oldest_seq", "atsync_inverter_backfill_deliveries_total",
        "atsync_inverter_subscribers_dropped_total", "atsync_inverter_ingest_connections",
        "atsync_inverter_ingest_connections_refused", "atsync_inverter_ingest_body_bytes",
        "atsync_inverter_ingest_body_bytes_peak", "atsync_inverter_public_connections",
        "atsync_inverter_public_connections_refused", "atsync_inverter_handshake_bytes",
        "atsync_inverter_backfill_bytes", "atsync_inverter_commits_held_total", "atsync_inverter_chain_gaps_total")) {
      hasSeries(text, s);
    }

    // histograms: every post timed from its body to durable, every append, every live delivery
    assertEquals(n, sample(text, "atsync_inverter_ingest_to_durable_seconds_count"));
    assertEquals(n, sample(text, "atsync_inverter_ingest_to_durable_seconds_bucket{le=\"+Inf\"}"));
    assertEquals(n, sample(text, "atsync_inverter_ingest_to_durable_seconds_bucket{le=\"10.0\"}"));
    hasSeries(text, "atsync_inverter_ingest_to_durable_seconds_sum");
    hasSeries(text, "atsync_inverter_ingest_to_durable_seconds_max");
    assertEquals(n, sample(text, "atsync_inverter_store_commit_seconds_count"));
    hasSeries(text, "atsync_inverter_store_commit_seconds_bucket");
    double delivered = sample(text, "atsync_inverter_post_to_delivery_seconds_count");
    // an event the fan-out's tick found before its append listener ran is not timed: at most n
    assertTrue(delivered >= 1 && delivered <= n, "post-to-delivery count " + delivered);
    hasSeries(text, "atsync_inverter_post_to_delivery_seconds_bucket");

    // the subscriber's lag, labelled with its id
    Matcher lag = Pattern.compile("(?m)^atsync_inverter_subscriber_lag_events\\{subscriber=\"(\\d+)\"} (\\S+)$")
        .matcher(text);
    assertTrue(lag.find(), text);
    assertEquals(0, Double.parseDouble(lag.group(2)));

    // build info (from classes here: "unknown", from the jar its manifest's version and revision)
    Matcher build = Pattern.compile("(?m)^atsync_build_info\\{revision=\"([^\"]+)\",version=\"([^\"]+)\"} 1(\\.0)?$")
        .matcher(text);
    assertTrue(build.find(), text);

    // the JVM and process, bound because the inverter owns the registry
    for (String s : List.of("jvm_memory_used_bytes", "jvm_memory_max_bytes", "jvm_gc_memory_allocated_bytes_total",
        "jvm_threads_live_threads", "jvm_classes_loaded_classes", "system_cpu_count", "process_cpu_usage",
        "process_uptime_seconds", "process_start_time_seconds", "process_files_open_files")) {
      hasSeries(text, s);
    }

    // a subscriber gone takes its lag series with it
    subscriber.closeBlocking();
    subscriber = null;
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (inverter.subscriberCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertFalse(get("/metrics").body().contains("atsync_inverter_subscriber_lag_events{"));
  }

  @Test
  void anEmbeddersRegistryGetsTheInvertersMetersOnly() throws Exception {
    MeterRegistry mine = new SimpleMeterRegistry();
    start(b -> b.meterRegistry(mine));
    post(2);
    assertEquals(2, mine.get("atsync_inverter_events_ingested_total").functionCounter().count());
    assertEquals(2, mine.get("atsync_inverter_store_commit").timer().count());
    assertEquals(1, mine.get("atsync_build_info").gauge().value());
    assertNull(mine.find("jvm.memory.used").gauge(), "the JVM binders are the embedder's to bind");
    HttpResponse<String> r = get("/metrics");
    assertEquals(404, r.statusCode(), "not a Prometheus registry: nothing to render");
    assertTrue(r.body().contains("not a Prometheus registry"), r.body());
    assertThrows(IllegalStateException.class, inverter::metricsText);
    inverter.close();
    inverter = null;
    assertNull(mine.find("atsync_inverter_events_ingested_total").functionCounter(),
        "the inverter's meters leave the embedder's registry with it");
    assertFalse(mine.isClosed());
  }

  @Test
  void anEmbeddersPrometheusRegistryIsServed() throws Exception {
    PrometheusMeterRegistry mine = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    start(b -> b.meterRegistry(mine));
    post(1);
    String text = get("/metrics").body();
    assertEquals(1, sample(text, "atsync_inverter_events_ingested_total"));
    assertFalse(text.contains("jvm_memory_used_bytes"), "no JVM binders on an embedder's registry");
    assertEquals(text.length() > 0, mine.scrape().contains("atsync_inverter_events_ingested_total"));
  }
}
