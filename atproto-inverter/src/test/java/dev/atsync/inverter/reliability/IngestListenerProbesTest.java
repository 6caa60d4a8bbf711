package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.RawPeer;
import dev.atsync.inverter.TestEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15 probes on the ingest listener, over real sockets: slow and idle peers hold no thread
 * and no place for long; valid posts keep their latency meanwhile.
 */
@Tag("reliability")
@Timeout(120)
class IngestListenerProbesTest extends Probes {

  /** Sends {@code bytes} one at a time, {@code gapMillis} apart, on its own thread, until cut off. */
  static Thread trickle(RawPeer p, byte[] bytes, long gapMillis) {
    Thread t = new Thread(() -> {
      try {
        for (byte b : bytes) {
          p.out.write(b);
          p.out.flush();
          Thread.sleep(gapMillis);
        }
      } catch (IOException | InterruptedException e) {
        // cut off
      }
    }, "trickle");
    t.setDaemon(true);
    t.start();
    return t;
  }

  static byte[] postHead(int contentLength) {
    return ("POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
        + "\r\nContent-Type: application/vnd.ipld.dag-cbor\r\nContent-Length: " + contentLength + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Finding 15.2: eight connections sending headers at one byte per second made every valid
   * post time out (all handler threads held).
   */
  @ParameterizedTest(name = "{0} slow peers")
  @ValueSource(ints = {8, 16, 64})
  void peersSendingHeadersOneByteASecondHoldNothing(int slow) throws Exception {
    start(b -> b.headerTimeout(Duration.ofSeconds(2)));
    List<RawPeer> peers = new ArrayList<>();
    for (int i = 0; i < slow; i++) {
      RawPeer p = track(RawPeer.connect(ingestPort()));
      peers.add(p);
      trickle(p, postHead(100), 1000);
    }
    Thread.sleep(300);
    long worst = 0;
    String did = TestEvents.did(3);
    for (int i = 0; i < 20; i++) {
      long t0 = System.nanoTime();
      Answer a = post(ingestPort(), TestEvents.concat(List.of(TestEvents.commit(did, TestEvents.nextRev()))),
          Duration.ofSeconds(3));
      worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
      assertEquals(200, a.status(), a.body());
    }
    assertTrue(worst < 1000, "slowest valid post took " + worst + " ms");
    for (RawPeer p : peers) {
      RawPeer.Answer a = p.readAnswer(false);
      assertEquals(408, a.status(), a.body());
      assertTrue(a.body().contains("RequestTimeout"), a.body());
      assertTrue(p.closedWithin(1000));
    }
    assertStillServing();
  }

  /** Finding 15.2: 2,000 idle connections were never closed. */
  @Test
  void idleConnectionsAreClosedAndCannotCrowdOutPosters() throws Exception {
    start(b -> b.idleTimeout(Duration.ofSeconds(1)).maxIngestConnections(500));
    List<RawPeer> idle = new ArrayList<>();
    long most = 0;
    for (int i = 0; i < 2000; i++) {
      idle.add(track(RawPeer.connect(ingestPort())));
      if (i % 50 == 0) {
        most = Math.max(most, gauge("atsync_inverter_ingest_connections"));
      }
    }
    most = Math.max(most, gauge("atsync_inverter_ingest_connections"));
    long t0 = System.currentTimeMillis();
    for (RawPeer p : idle) {
      assertTrue(p.closedWithin(Math.max(1, 4000 - (System.currentTimeMillis() - t0))), "closed within 4 s");
    }
    assertTrue(most <= 500, most + " connections open at once");
    assertTrue(gauge("atsync_inverter_ingest_connections_refused") > 0, "some were refused at the limit");
    assertStillServing();
  }

  long gauge(String name) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + " (\\S+)$")
        .matcher(inverter.metricsText());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void aBodySentOneByteAtATimeIsCutOffAtTheBodyTimeout() throws Exception {
    start(b -> b.bodyTimeout(Duration.ofSeconds(1)));
    RawPeer p = track(RawPeer.connect(ingestPort()));
    p.send(postHead(1000));
    trickle(p, new byte[1000], 100);
    long t0 = System.nanoTime();
    RawPeer.Answer a = p.readAnswer(false);
    long took = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(408, a.status(), a.body());
    assertTrue(took < 2500, took + " ms");
    assertEquals(-1, log.lastSeq() - log.lastSeq() - 1, "nothing stored");
    assertStillServing();
  }

  @Test
  void anEndlessHeaderIsCutOffWith431() throws Exception {
    start(b -> b);
    RawPeer p = track(RawPeer.connect(ingestPort()));
    AtomicLong sent = new AtomicLong();
    Thread t = PublicListenerProbesTest.flood(p, "POST /events HTTP/1.1\r\nX-Pad: ".getBytes(StandardCharsets.US_ASCII),
        PublicListenerProbesTest.filled(16384, 'a'), 64L << 20, sent);
    RawPeer.Answer a = p.readAnswer(false);
    t.join(30_000);
    assertEquals(431, a.status(), a.body());
    assertTrue(a.body().contains("RequestHeaderFieldsTooLarge"), a.body());
    assertTrue(sent.get() < 16L << 20, sent.get() + " bytes sent before the cut");
    assertStillServing();
  }
}
