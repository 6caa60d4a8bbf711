package dev.atsync.inverter;

import dev.atsync.firehose.Frame;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/** A real WebSocket subscriber that records every frame it receives. */
public final class TestSubscriber extends WebSocketClient {
  public final List<Frame> frames = new CopyOnWriteArrayList<>();
  public final CountDownLatch opened = new CountDownLatch(1);
  public final CountDownLatch closed = new CountDownLatch(1);
  volatile Map<String, String> responseHeaders = Map.of();
  public volatile int closeCode;

  public TestSubscriber(int port, Long cursor) {
    this(URI.create("ws://127.0.0.1:" + port + "/xrpc/com.atproto.sync.subscribeRepos"
        + (cursor == null ? "" : "?cursor=" + cursor)));
  }

  public TestSubscriber(URI uri) {
    super(uri);
  }

  public static TestSubscriber connect(int port, Long cursor) throws InterruptedException {
    TestSubscriber s = new TestSubscriber(port, cursor);
    if (!s.connectBlocking(10, TimeUnit.SECONDS)) {
      throw new AssertionError("could not connect");
    }
    return s;
  }

  @Override
  public void onOpen(ServerHandshake h) {
    Map<String, String> headers = new java.util.HashMap<>();
    h.iterateHttpFields().forEachRemaining(k -> headers.put(k.toLowerCase(java.util.Locale.ROOT), h.getFieldValue(k)));
    responseHeaders = headers;
    opened.countDown();
  }

  @Override
  public void onMessage(String message) {
    throw new AssertionError("text frame on a binary stream: " + message);
  }

  @Override
  public void onMessage(ByteBuffer bytes) {
    byte[] b = new byte[bytes.remaining()];
    bytes.get(b);
    frames.add(Frame.decode(b));
  }

  @Override
  public void onClose(int code, String reason, boolean remote) {
    closeCode = code;
    closed.countDown();
  }

  @Override
  public void onError(Exception ex) {
    // recorded through onClose
  }

  /** Waits until at least {@code n} frames arrived. */
  public List<Frame> await(int n, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (frames.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    if (frames.size() < n) {
      throw new AssertionError("expected " + n + " frames, got " + frames.size());
    }
    return new ArrayList<>(frames);
  }

  public List<Long> seqs() {
    List<Long> out = new ArrayList<>();
    for (Frame f : frames) {
      f.seq().ifPresent(out::add);
    }
    return out;
  }
}
