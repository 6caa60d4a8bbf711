package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.TestSubscriber;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.InMemoryEventStore;
import dev.atsync.inverter.log.LoggedEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 15.1/15.4: under -Xmx256m the writer and fan-out threads died of OutOfMemoryError, the
 * process stayed up and /health said 200. The crash policy is fail fast: a worker's death makes
 * the inverter not live and not ready at once, and the default handler ends the process with
 * status 70 so a supervisor restarts it.
 */
@Tag("reliability")
@Timeout(120)
class WorkerDeathProbesTest extends Probes {
  @TempDir
  Path tmp;

  @Test
  void aWorkerThatDiesTakesLivenessAndReadinessWithIt() throws Exception {
    List<Throwable> fatal = new CopyOnWriteArrayList<>();
    AtomicBoolean poison = new AtomicBoolean();
    ForwardingStore store = new ForwardingStore(new InMemoryEventStore(1)) {
      @Override
      public List<LoggedEvent> readAfter(long afterSeq, int max) {
        if (poison.get()) {
          throw new OutOfMemoryError("injected: Java heap space");
        }
        return super.readAfter(afterSeq, max);
      }
    };
    start(EventLog.over(store), b -> b.onFatalError(fatal::add));
    TestSubscriber s = subscribe(null);
    assertEquals(200, post(TestEvents.commit(TestEvents.did(1), TestEvents.nextRev())).status());
    s.await(1, 10);
    assertEquals(200, get(ingestPort(), "/health/live").status());
    poison.set(true);
    assertEquals(200, post(TestEvents.commit(TestEvents.did(1), TestEvents.nextRev())).status());
    assertTrue(eventually(5000, () -> !fatal.isEmpty()), "the fatal handler ran");
    assertEquals(1, fatal.size(), "once");
    assertTrue(fatal.get(0) instanceof OutOfMemoryError);
    assertFalse(inverter.live());
    assertFalse(inverter.ready());
    Answer live = get(ingestPort(), "/health/live");
    assertEquals(503, live.status());
    assertTrue(live.body().contains("fan-out"), live.body());
    assertEquals(503, get(ingestPort(), "/health/ready").status());
    assertEquals(503, get(ingestPort(), "/health").status());
    assertTrue(inverter.metricsText().contains("atsync_inverter_live 0"));
  }

  @Test
  void byDefaultTheProcessExitsWithStatus70() throws Exception {
    try (ChildInverter.Child child = ChildInverter.start(tmp.resolve("data"),
        List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-Dchild.poisonReadsOnceStored=true"))) {
      long t0 = System.nanoTime();
      // the fan-out's reads start failing with OutOfMemoryError after a few: the process must not linger
      post(child.ingestPort(), TestEvents.concat(List.of(TestEvents.commit(TestEvents.did(5), TestEvents.nextRev()))),
          Duration.ofSeconds(5));
      assertTrue(child.process().waitFor(20, TimeUnit.SECONDS), "the process ended: " + child.output());
      long took = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(70, child.process().exitValue(), String.join("\n", child.output()));
      assertTrue(took < 10_000, "within " + took + " ms");
      assertTrue(String.join("\n", child.output()).contains("fatal: fan-out"), String.join("\n", child.output()));
    }
  }
}
