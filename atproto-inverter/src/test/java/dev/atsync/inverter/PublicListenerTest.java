package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.log.EventLog;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The public listener's answers to what relays (and others) send it: refusals are XRPC errors
 * before the upgrade, as relays expect them, never an HTML page; a subscriber sends nothing.
 */
class PublicListenerTest {
  static final String PATH = "/xrpc/com.atproto.sync.subscribeRepos";
  Inverter inverter;
  final List<AutoCloseable> open = new ArrayList<>();

  Inverter start(UnaryOperator<Inverter.Builder> config) {
    inverter = config.apply(Inverter.builder().log(EventLog.inMemory())
        .publicAddress(new InetSocketAddress("127.0.0.1", 0)).inProcessIngestOnly().check(EventCheck.NONE))
        .build().start();
    return inverter;
  }

  RawPeer peer() throws Exception {
    RawPeer p = RawPeer.connect(inverter.publicPort());
    open.add(p);
    return p;
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (inverter != null) {
      inverter.close();
    }
  }

  static void assertXrpcError(RawPeer.Answer a, int status, String error) {
    assertEquals(status, a.status(), a.body());
    assertEquals("application/json", a.header("content-type"), a.toString());
    assertTrue(a.body().contains("\"error\":\"" + error + "\""), a.body());
    assertTrue(a.body().contains("\"message\":"), a.body());
    assertEquals("atsync-inverter", a.header("server"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "1.5", "1e3", "", "99999999999999999999", "+5", " 5", "0x10", "-0"})
  void aCursorThatIsNotANonNegativeIntegerIsA400InvalidRequest(String cursor) throws Exception {
    start(b -> b);
    RawPeer.Answer a = peer().handshake(PATH + "?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
    assertXrpcError(a, 400, "InvalidRequest");
    assertTrue(a.body().contains("cursor"), a.body());
  }

  @Test
  void theSubscriberOverTheLimitGetsAnHonest503() throws Exception {
    start(b -> b.maxSubscribers(2));
    TestSubscriber one = TestSubscriber.connect(inverter.publicPort(), null);
    TestSubscriber two = TestSubscriber.connect(inverter.publicPort(), null);
    open.add(one::closeBlocking);
    open.add(two::closeBlocking);
    RawPeer.Answer full = peer().handshake(PATH);
    assertXrpcError(full, 503, "NotEnoughResources");
    assertNotNull(full.header("retry-after"), "Retry-After");
    one.closeBlocking();
    long deadline = System.currentTimeMillis() + 5000;
    while (inverter.subscriberCount() > 1 && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    RawPeer.Answer again = peer().handshake(PATH);
    assertEquals(101, again.status(), "a place is free again");
  }

  @Test
  void everyOtherRequestIsAnXrpcError() throws Exception {
    start(b -> b);
    assertXrpcError(peer().handshake("/xrpc/com.atproto.sync.other"), 501, "MethodNotImplemented");
    assertXrpcError(peer().handshake("/"), 404, "NotFound");
    RawPeer plain = peer();
    plain.send("GET " + PATH + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertXrpcError(plain.readAnswer(false), 400, "InvalidRequest");
    RawPeer post = peer();
    post.send("POST " + PATH + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assertXrpcError(post.readAnswer(false), 400, "InvalidRequest");
    RawPeer garbage = peer();
    garbage.send("\u0016\u0003\u0001 not http at all\r\n\r\n");
    assertEquals(400, garbage.readAnswer(false).status());
  }

  @Test
  void healthOnThePublicPortIsTheAtprotoOne() throws Exception {
    start(b -> b);
    RawPeer p = peer();
    p.send("GET /xrpc/_health HTTP/1.1\r\nHost: x\r\n\r\n");
    RawPeer.Answer a = p.readAnswer(false);
    assertEquals(200, a.status(), a.body());
    assertTrue(a.body().startsWith("{\"version\":\"atsync-inverter"), a.body());
  }

  @Test
  void aSubscriberThatSendsDataIsClosedWithPolicyViolation() throws Exception {
    start(b -> b);
    for (int opcode : new int[] {1, 2}) {
      for (boolean fin : new boolean[] {true, false}) {
        RawPeer p = peer();
        assertEquals(101, p.handshake(PATH).status());
        p.send(RawPeer.frame(fin, opcode, "hello".getBytes(StandardCharsets.UTF_8)));
        assertEquals(1008, p.awaitClose(5000), "opcode " + opcode + " fin " + fin);
      }
    }
    // a frame over the control-frame size is refused from its header alone (1009)
    RawPeer big = peer();
    assertEquals(101, big.handshake(PATH).status());
    big.send(RawPeer.frame(false, 2, new byte[4096]));
    assertEquals(1009, big.awaitClose(5000));
  }

  @Test
  void pingsAreAnswered() throws Exception {
    start(b -> b);
    RawPeer p = peer();
    assertEquals(101, p.handshake(PATH).status());
    p.send(RawPeer.frame(true, 9, new byte[] {1, 2, 3}));
    RawPeer.WsFrame pong = p.readFrame();
    assertEquals(10, pong.opcode());
    assertArrayEquals(new byte[] {1, 2, 3}, pong.payload());
  }
}
