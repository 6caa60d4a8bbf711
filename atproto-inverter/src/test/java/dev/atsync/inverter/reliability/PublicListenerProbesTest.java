package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.RawPeer;
import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.TestSubscriber;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 15 and 17 probes on the public (subscribeRepos) listener, over real sockets: whatever a
 * peer sends, the server holds a bounded number of its bytes, cuts it off in bounded time, stays
 * ready, and keeps serving the other subscribers.
 */
@Tag("reliability")
@Timeout(120)
class PublicListenerProbesTest extends Probes {
  private static final long SEND_CAP = 64L << 20;

  /**
   * Sends {@code first} then {@code rest} over and over until the connection fails or {@code cap}
   * bytes went out, on a thread of its own; the bytes sent.
   */
  static Thread flood(RawPeer p, byte[] first, byte[] rest, long cap, AtomicLong sent) {
    Thread t = new Thread(() -> {
      try {
        p.out.write(first);
        sent.addAndGet(first.length);
        while (sent.get() < cap) {
          p.out.write(rest);
          sent.addAndGet(rest.length);
        }
      } catch (IOException e) {
        // the server cut us off
      }
    }, "flood");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Finding 15.1: fragments that never set FIN were all buffered (128 MiB sent, heap up 130 MB, workers died of OOM). */
  @ParameterizedTest(name = "opcode {0}, fragments of {1} bytes")
  @CsvSource({"2, 100", "2, 4096", "2, 60000", "1, 60000", "2, 1000000", "0, 1000"})
  void fragmentsThatNeverFinishAreNeverBuffered(int opcode, int fragment) throws Exception {
    start(b -> b);
    TestSubscriber live = subscribe(null);
    RawPeer p = track(RawPeer.connect(inverter.publicPort()));
    assertEquals(101, p.handshake(PATH).status());
    byte[] payload = new byte[fragment];
    AtomicLong sent = new AtomicLong();
    Thread t = flood(p, RawPeer.frame(false, opcode, payload), RawPeer.frame(false, 0, payload), SEND_CAP, sent);
    int code = p.awaitClose(15_000);
    t.join(15_000);
    System.out.println("fragments of " + fragment + " bytes, opcode " + opcode + ": closed with " + code + " after "
        + sent.get() + " bytes sent (kernel buffers included)");
    assertNotEquals(-2, code, "the server closed the connection");
    assertTrue(sent.get() < 16L << 20, "cut off after " + sent.get() + " bytes (kernel buffers included)");
    assertTrue(inverter.ready());
    assertEquals(200, post(TestEvents.commit(TestEvents.did(1), TestEvents.nextRev())).status());
    live.await(1, 10);
    assertStillServing();
  }

  /** Finding 17 (memory): an endless handshake header line was held (58 MiB after 61 s, heap 235 MB). */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"header line", "request line", "many headers"})
  void anEndlessHandshakeIsCutOff(String shape) throws Exception {
    start(b -> b.headerTimeout(Duration.ofSeconds(30)));
    RawPeer p = track(RawPeer.connect(inverter.publicPort()));
    byte[] first;
    byte[] rest;
    switch (shape) {
      case "header line" -> {
        first = ("GET " + PATH + " HTTP/1.1\r\nHost: x\r\nX-Pad: ").getBytes(StandardCharsets.US_ASCII);
        rest = filled(16384, 'a');
      }
      case "request line" -> {
        first = ("GET " + PATH + "?").getBytes(StandardCharsets.US_ASCII);
        rest = filled(16384, 'a');
      }
      default -> {
        first = ("GET " + PATH + " HTTP/1.1\r\nHost: x\r\n").getBytes(StandardCharsets.US_ASCII);
        rest = "X-A: b\r\n".repeat(2048).getBytes(StandardCharsets.US_ASCII);
      }
    }
    AtomicLong sent = new AtomicLong();
    Thread t = flood(p, first, rest, SEND_CAP, sent);
    t.join(30_000);
    System.out.println("endless " + shape + ": cut off after " + sent.get() + " bytes sent (kernel buffers included)");
    assertTrue(sent.get() < 16L << 20, "cut off after " + sent.get() + " bytes (kernel buffers included)");
    assertTrue(p.closedWithin(5000), "closed");
    assertStillServing();
  }

  @Test
  void aHandshakeSentOneByteAtATimeIsCutOffAtTheHeaderTimeout() throws Exception {
    start(b -> b.headerTimeout(Duration.ofSeconds(1)));
    RawPeer p = track(RawPeer.connect(inverter.publicPort()));
    byte[] hs = RawPeer.upgrade(PATH).getBytes(StandardCharsets.US_ASCII);
    long start = System.nanoTime();
    AtomicLong sent = new AtomicLong();
    Thread t = new Thread(() -> {
      try {
        for (byte b : hs) {
          p.out.write(b);
          p.out.flush();
          sent.incrementAndGet();
          Thread.sleep(100);
        }
      } catch (IOException | InterruptedException e) {
        // cut off
      }
    });
    t.setDaemon(true);
    t.start();
    RawPeer.Answer a = p.readAnswer(false);
    long took = (System.nanoTime() - start) / 1_000_000;
    assertEquals(408, a.status(), a.body());
    assertTrue(took < 3000, "answered after " + took + " ms");
    assertTrue(p.closedWithin(2000));
    assertTrue(sent.get() < hs.length, "the handshake never completed");
    assertStillServing();
  }

  @Test
  void connectionsThatSayNothingAreClosed() throws Exception {
    start(b -> b.headerTimeout(Duration.ofSeconds(1)));
    List<RawPeer> idle = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      idle.add(track(RawPeer.connect(inverter.publicPort())));
    }
    for (RawPeer p : idle) {
      assertTrue(p.closedWithin(3000), "closed at the header timeout");
    }
    assertStillServing();
  }

  @Test
  void aConnectionFloodIsRefusedAtTheLimitWithoutHurtingSubscribers() throws Exception {
    start(b -> b.maxPublicConnections(40).headerTimeout(Duration.ofSeconds(2)));
    TestSubscriber live = subscribe(null);
    List<RawPeer> flood = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      flood.add(track(RawPeer.connect(inverter.publicPort())));
    }
    int refused = 0;
    for (RawPeer p : flood) {
      p.socket.setSoTimeout(300);
      try {
        RawPeer.Answer a = p.readAnswer(false);
        if (a.status() == 503) {
          assertTrue(a.body().contains("NotEnoughResources"), a.body());
          refused++;
        } else {
          assertEquals(408, a.status(), "an admitted connection that sent nothing times out");
        }
      } catch (java.net.SocketTimeoutException e) {
        // admitted (it waits for its handshake)
      }
    }
    assertTrue(refused >= 300 - 40, refused + " refused");
    assertEquals(200, post(TestEvents.commit(TestEvents.did(2), TestEvents.nextRev())).status());
    live.await(1, 10);
    for (RawPeer p : flood) {
      p.close();
    }
    assertTrue(eventually(5000, () -> inverter.ready()));
    assertStillServing();
  }

  static byte[] filled(int n, char c) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) c);
    return b;
  }
}
