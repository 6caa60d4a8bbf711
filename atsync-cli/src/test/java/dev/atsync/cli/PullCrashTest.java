package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.firehose.Frame;
import dev.atsync.inverter.FreePorts;
import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.TestPdsInstance;
import dev.atsync.inverter.TestSubscriber;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull mode survives a SIGKILL: {@code atsync serve} follows two upstreams (two PDS instances,
 * each writing its own accounts), is killed mid-stream, and restarts on the same data directory
 * while the instances go on writing. Every event either instance emitted is then in its stream
 * exactly once: the upstream cursors were stored with the events, so nothing was lost and nothing
 * taken twice.
 */
class PullCrashTest {
  static final String TOKEN = "pull-crash-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  Path data;

  Process start(int pub, int ingest, TestPdsInstance a, TestPdsInstance b) throws IOException {
    return Run.serve(java.util.Map.of("ATSYNC_INGEST_TOKEN", TOKEN), "--public-host", "127.0.0.1", "--public-port", String.valueOf(pub),
        "--ingest-port", String.valueOf(ingest), "--data-dir", data.toString(),
        "--verify", "off", "--upstream", a.endpoint().toString(), "--upstream", b.endpoint().toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("server.log").toFile()))
        .start();
  }

  static JsonNode health(HttpClient http, int ingest) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest + "/health"))
          .build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The lowest upstream cursor in the server's health answer, or -1. */
  static long minCursor(JsonNode health) {
    long min = Long.MAX_VALUE;
    if (health == null || !health.has("upstreams")) {
      return -1;
    }
    for (JsonNode u : health.get("upstreams")) {
      min = Math.min(min, u.path("cursor").asLong(-1));
    }
    return min;
  }

  static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void nothingIsLostOrTakenTwiceAcrossAKill() throws Exception {
    int[] ports = FreePorts.take(2);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    List<byte[]> emitted = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    try (TestPdsInstance a = new TestPdsInstance(1); TestPdsInstance b = new TestPdsInstance(1000)) {
      List<Thread> writers = new ArrayList<>();
      for (TestPdsInstance instance : List.of(a, b)) {
        for (int t = 0; t < 2; t++) {
          String did = TestEvents.did(700 + writers.size());
          Thread th = new Thread(() -> {
            while (!stop.get()) {
              Frame f = TestEvents.commit(did, TestEvents.nextRev(), 200);
              instance.emit(f.event());
              emitted.add(f.withSeq(0).bytes());
              try {
                Thread.sleep(2);
              } catch (InterruptedException e) {
                return;
              }
            }
          });
          writers.add(th);
          th.start();
        }
      }
      Process server = start(ports[0], ports[1], a, b);
      try {
        await(() -> {
          JsonNode h = health(http, ports[1]);
          return h != null && h.path("lastSeq").asLong() >= 200;
        }, "200 events taken");
        server.destroyForcibly();
        assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        Thread.sleep(300); // the instances go on writing while the server is down
      } finally {
        server.destroyForcibly();
      }
      Process again = start(ports[0], ports[1], a, b);
      try {
        Thread.sleep(300);
        stop.set(true);
        for (Thread th : writers) {
          th.join();
        }
        long lastA = a.lastSeq();
        long lastB = b.lastSeq();
        await(() -> {
          JsonNode h = health(http, ports[1]);
          if (h == null || !h.has("upstreams")) {
            return false;
          }
          return h.get("upstreams").get(0).path("cursor").asLong(-1) >= lastA
              && h.get("upstreams").get(1).path("cursor").asLong(-1) >= lastB;
        }, "both upstreams taken to their ends");
        // the restarted server resumed right after what it had stored: it took nothing twice
        for (JsonNode u : health(http, ports[1]).get("upstreams")) {
          assertEquals(0, u.path("duplicates").asLong(), "events taken again after the restart: " + u);
        }
        TestSubscriber s = TestSubscriber.connect(ports[0], 0L);
        try {
          List<Frame> served = s.await(emitted.size(), 30);
          Thread.sleep(200);
          assertEquals(emitted.size(), s.frames.size(), "as many events as were emitted, none twice");
          Set<String> got = new HashSet<>();
          for (Frame f : served) {
            assertTrue(got.add(HexFormat.of().formatHex(f.withSeq(0).bytes())), "served once: seq " + f.seq());
          }
          for (byte[] e : emitted) {
            assertTrue(got.contains(HexFormat.of().formatHex(e)), "every emitted event is served");
          }
        } finally {
          s.closeBlocking();
        }
      } finally {
        again.destroyForcibly();
        again.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
