package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.TestEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 17 (memory): 16 concurrent authenticated 16 MiB bodies peaked at 776 MB of heap (about
 * 3 bytes per body byte in flight): memory grew with what was received, not with what was
 * accepted. Now the bodies in flight are bounded by the listener's budget, so the same load runs
 * in a 384 MiB heap (with -XX:+ExitOnOutOfMemoryError, an OutOfMemoryError would end the child),
 * every post is answered, and the heap stays proportional to the budget.
 */
@Tag("reliability")
@Timeout(300)
class IngestMemoryProbeTest extends Probes {
  @TempDir
  Path tmp;

  /** Eight commits of about 1.99 MB each: a valid body just under 16 MiB, for its own accounts. */
  static byte[] body(int n) {
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      frames.add(TestEvents.commit(TestEvents.did(n * 10 + i), TestEvents.nextRev(), 1_990_000));
    }
    byte[] b = TestEvents.concat(frames);
    assertTrue(b.length < 16 << 20 && b.length > 15 << 20, "body of " + b.length);
    return b;
  }

  /**
   * The child's heap: the old listener needed about 776 MB for this load. With the default
   * budgets the ingest path holds about 3x its 32 MiB of bodies, the live window 32 MiB, and G1
   * needs contiguous free regions for each 16 MiB body array, hence some headroom.
   */
  private static final int HEAP_MB = 384;

  @Test
  void sixteenConcurrent16MiBBodiesFitASmallHeap() throws Exception {
    Path gc = tmp.resolve("gc.log");
    long budget = 32L << 20; // the default
    try (ChildInverter.Child child = ChildInverter.start(tmp.resolve("data"), List.of("-Xmx" + HEAP_MB + "m",
        "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + gc))) {
      List<byte[]> bodies = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        bodies.add(body(i));
      }
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<Answer>> answers = new ArrayList<>();
      for (byte[] b : bodies) {
        answers.add(pool.submit(() -> post(child.ingestPort(), b, Duration.ofSeconds(120))));
      }
      int ok = 0;
      for (Future<Answer> f : answers) {
        Answer a = f.get();
        assertTrue(a.status() == 200 || a.status() == 503, a.status() + " " + a.body() + "; the child said: "
            + String.join("\n", child.output()));
        ok += a.status() == 200 ? 1 : 0;
      }
      pool.shutdown();
      assertTrue(child.process().isAlive(), "no OutOfMemoryError: " + String.join("\n", child.output()));
      assertEquals(200, get(child.ingestPort(), "/health/live").status());
      assertEquals(16, ok, "every post waited for room in the budget and was stored");
      String metrics = get(child.ingestPort(), "/metrics").body();
      Matcher m = Pattern.compile("(?m)^atsync_inverter_ingest_body_bytes_peak (\\S+)$").matcher(metrics);
      assertTrue(m.find(), metrics);
      long peak = (long) Double.parseDouble(m.group(1));
      assertTrue(peak <= budget, "bodies held at once: " + peak);
      long liveAfterGc = 0;
      Matcher h = Pattern.compile("\\d+M->(\\d+)M\\(").matcher(Files.readString(gc));
      while (h.find()) {
        liveAfterGc = Math.max(liveAfterGc, Long.parseLong(h.group(1)));
      }
      System.out.println("16 x 16 MiB concurrent: " + ok + " stored; body bytes held at most " + (peak >> 20)
          + " MiB (budget " + (budget >> 20) + " MiB); heap after GC at most " + liveAfterGc + " MB (of " + HEAP_MB + ")");
    }
  }
}
