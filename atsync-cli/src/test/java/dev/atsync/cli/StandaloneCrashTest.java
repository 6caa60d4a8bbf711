package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.FreePorts;
import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.TestSubscriber;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills {@code atsync serve} (SIGKILL) while posts are in flight, restarts it on the same data
 * directory, and checks that every event whose POST was acknowledged is served, in order, with
 * its seq.
 */
class StandaloneCrashTest {
  static final String TOKEN = "crash-test-token-0123456789";
  @TempDir
  Path data;

  Process start(int pub, int ingest) throws IOException {
    return Run.serve(java.util.Map.of("ATSYNC_INGEST_TOKEN", TOKEN), "--public-host", "127.0.0.1", "--public-port", String.valueOf(pub),
        "--ingest-port", String.valueOf(ingest), "--data-dir", data.toString(),
        "--verify", "off")
        .redirectErrorStream(true).redirectOutput(data.resolve("server.log").toFile()).start();
  }

  static boolean healthy(HttpClient http, int ingest) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest + "/health")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static void awaitHealthy(HttpClient http, int ingest) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!healthy(http, ingest)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("server did not become healthy");
      }
      Thread.sleep(50);
    }
  }

  @Test
  void acknowledgedEventsSurviveAKill() throws Exception {
    int[] ports = FreePorts.take(2);
    int pub = ports[0];
    int ingest = ports[1];
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Process server = start(pub, ingest);
    Map<Long, byte[]> acked = new ConcurrentHashMap<>();
    try {
      awaitHealthy(http, ingest);
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> posters = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String did = TestEvents.did(500 + t);
        Thread th = new Thread(() -> {
          while (!stop.get()) {
            Frame f = TestEvents.commit(did, TestEvents.nextRev(), 300);
            try {
              HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest + "/events"))
                  .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/vnd.ipld.dag-cbor")
                  .timeout(Duration.ofSeconds(5))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(f.bytes())).build(), HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) {
                acked.put(TestEvents.seqs(r.body()).get(0), f.bytes());
              }
            } catch (IOException e) {
              // the server died mid-request: this post was never acknowledged
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        posters.add(th);
        th.start();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (acked.size() < 200 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      server.destroyForcibly();
      assertTrue(server.waitFor(30, TimeUnit.SECONDS));
      stop.set(true);
      for (Thread th : posters) {
        th.join();
      }
    } finally {
      server.destroyForcibly();
    }
    assertTrue(acked.size() >= 200, "acknowledged before the kill: " + acked.size());
    Process again = start(pub, ingest);
    try {
      awaitHealthy(http, ingest);
      TestSubscriber s = TestSubscriber.connect(pub, 0L);
      try {
        TreeMap<Long, byte[]> expected = new TreeMap<>(acked);
        s.await(expected.size(), 30);
        Map<Long, Frame> got = new TreeMap<>();
        List<Long> order = s.seqs();
        for (int i = 1; i < order.size(); i++) {
          assertTrue(order.get(i) > order.get(i - 1), "strictly increasing");
        }
        for (Frame f : s.frames) {
          got.put(f.seq().getAsLong(), f);
        }
        for (Map.Entry<Long, byte[]> e : expected.entrySet()) {
          Frame f = got.get(e.getKey());
          assertTrue(f != null, "acknowledged seq " + e.getKey() + " is served after the restart");
          assertEquals(Frame.decode(e.getValue()).withSeq(e.getKey()), f, "bytes of seq " + e.getKey());
        }
      } finally {
        s.closeBlocking();
      }
    } finally {
      again.destroy();
      again.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
