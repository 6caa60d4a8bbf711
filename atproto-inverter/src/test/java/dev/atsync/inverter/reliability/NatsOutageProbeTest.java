package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.TestSubscriber;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.JetStreamNatsCluster;
import dev.atsync.inverter.log.jetstream.JetStreamEventStore;
import dev.atsync.inverter.log.jetstream.JetStreamSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Finding 15.4 on the JetStream log: /health said 200 while NATS was down. Now readiness follows
 * the NATS connection and the stream, logged once per change, and comes back by itself; nothing
 * acknowledged is lost (what held before: NATS down for 20 s lost nothing).
 */
@Tag("reliability")
@Timeout(180)
class NatsOutageProbeTest extends Probes {
  @Test
  void readinessFollowsNatsAndNothingAcknowledgedIsLost() throws Exception {
    JetStreamNatsCluster nats = JetStreamNatsCluster.start(1);
    open.add(nats);
    JetStreamSettings settings = JetStreamSettings.of(nats.url(0)).withStream("outage", "outage.ev");
    start(EventLog.over(JetStreamEventStore.connect(settings)), b -> b);
    TestSubscriber all = subscribe(0L);
    List<Long> acked = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Answer a = post(TestEvents.commit(TestEvents.did(i), TestEvents.nextRev()));
      assertEquals(200, a.status(), a.body());
      acked.addAll(TestEvents.seqs(a.body()));
    }
    assertEquals(200, get(ingestPort(), "/health/ready").status());

    nats.kill(0);
    assertTrue(eventually(5000, () -> get(ingestPort(), "/health/ready").status() == 503), "not ready without NATS");
    assertTrue(get(ingestPort(), "/health/ready").body().contains("NATS"), get(ingestPort(), "/health/ready").body());
    assertEquals(200, get(ingestPort(), "/health/live").status(), "an outage is not a death");
    Answer during = post(ingestPort(), TestEvents.concat(List.of(TestEvents.commit(TestEvents.did(50),
        TestEvents.nextRev()))), Duration.ofSeconds(30));
    assertEquals(503, during.status(), during.body());

    nats.startServer(0);
    nats.awaitReady();
    assertTrue(eventually(20_000, () -> get(ingestPort(), "/health/ready").status() == 200), "ready again by itself");
    for (int i = 10; i < 20; i++) {
      Answer a = post(TestEvents.commit(TestEvents.did(i), TestEvents.nextRev()));
      assertEquals(200, a.status(), a.body());
      acked.addAll(TestEvents.seqs(a.body()));
    }
    assertTrue(eventually(10_000, () -> all.seqs().containsAll(acked)), "every acknowledged event delivered: "
        + all.seqs() + " vs " + acked);
  }
}
