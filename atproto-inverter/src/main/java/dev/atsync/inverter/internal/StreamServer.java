package dev.atsync.inverter.internal;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InfoEvent;
import dev.atsync.firehose.StreamError;
import dev.atsync.inverter.log.EventLog;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.HandshakeBuilder;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public listener: {@code GET /xrpc/com.atproto.sync.subscribeRepos} over WebSocket, with
 * the lexicon's {@code cursor} parameter. Every other path is refused at the handshake.
 */
public final class StreamServer extends WebSocketServer {
  /** The only path served. */
  public static final String PATH = "/xrpc/com.atproto.sync.subscribeRepos";
  /** The {@code Server} header sent; relays ban hosts whose header says {@code atproto-relay}. */
  static final String SERVER_HEADER = "atsync-inverter";
  private static final Logger LOG = LoggerFactory.getLogger(StreamServer.class);
  private static final int MAX_INBOUND_FRAME = 64 * 1024;

  private final EventLog log;
  private final Fanout fanout;
  private final SubscriberSettings settings;
  private final CountDownLatch started = new CountDownLatch(1);
  private final AtomicReference<Exception> startError = new AtomicReference<>();

  /** A listener on {@code address}; call {@link #startAndWait()}. */
  public StreamServer(InetSocketAddress address, EventLog log, Fanout fanout, SubscriberSettings settings) {
    super(address, Math.max(1, Runtime.getRuntime().availableProcessors()), List.of(new QuietDraft()));
    this.log = log;
    this.fanout = fanout;
    this.settings = settings;
    setReuseAddr(true);
    setTcpNoDelay(true);
    setConnectionLostTimeout((int) Math.max(1, settings.pingInterval().toSeconds()));
  }

  /** Starts and waits until the socket is bound. */
  public void startAndWait() {
    start();
    try {
      if (!started.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("public listener did not start within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    }
    Exception e = startError.get();
    if (e != null) {
      throw new IllegalStateException("public listener failed to start on " + getAddress() + ": " + e, e);
    }
  }

  @Override
  public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(
      WebSocket conn, Draft draft, ClientHandshake request) throws InvalidDataException {
    ServerHandshakeBuilder b = super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
    URI uri;
    try {
      uri = URI.create(request.getResourceDescriptor());
    } catch (IllegalArgumentException e) {
      throw new InvalidDataException(CloseFrame.PROTOCOL_ERROR, "malformed request path");
    }
    if (!PATH.equals(uri.getPath())) {
      throw new InvalidDataException(CloseFrame.PROTOCOL_ERROR, "not found: only " + PATH + " is served here");
    }
    if (fanout.size() >= settings.maxSubscribers()) {
      throw new InvalidDataException(CloseFrame.TRY_AGAIN_LATER, "subscriber limit reached");
    }
    conn.setAttachment(parseCursor(uri.getRawQuery()));
    return b;
  }

  /** The {@code cursor} query parameter: absent, or a non-negative integer. */
  static OptionalLong parseCursor(String rawQuery) throws InvalidDataException {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return OptionalLong.empty();
    }
    for (String part : rawQuery.split("&")) {
      int eq = part.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
      if (!name.equals("cursor")) {
        continue;
      }
      String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      try {
        long c = Long.parseLong(v);
        if (c < 0) {
          throw new NumberFormatException();
        }
        return OptionalLong.of(c);
      } catch (NumberFormatException e) {
        throw new InvalidDataException(CloseFrame.PROTOCOL_ERROR, "cursor must be a non-negative integer");
      }
    }
    return OptionalLong.empty();
  }

  @Override
  public void onOpen(WebSocket conn, ClientHandshake handshake) {
    OptionalLong cursor = conn.getAttachment();
    String remote = String.valueOf(conn.getRemoteSocketAddress());
    long last = log.lastSeq();
    long position;
    if (cursor == null || cursor.isEmpty()) {
      position = last;
    } else if (cursor.getAsLong() > last) {
      if (!settings.futureCursorLive()) {
        conn.send(Frame.ofError(StreamError.of(StreamError.FUTURE_CURSOR,
            "cursor " + cursor.getAsLong() + " is ahead of the stream (last seq " + last + ")")).bytes());
        conn.close(CloseFrame.NORMAL, "FutureCursor");
        return;
      }
      position = last;
    } else {
      long oldest = log.oldestSeq();
      position = cursor.getAsLong();
      if (position < oldest - 1) {
        conn.send(new InfoEvent(InfoEvent.OUTDATED_CURSOR, Optional.of("cursor " + position
            + " is older than the backfill window; replaying from seq " + oldest)).toFrame().bytes());
        position = oldest - 1;
      }
    }
    Session s = new Session(conn, position, remote);
    conn.setAttachment(s);
    fanout.add(s);
    LOG.debug("subscriber {} from seq {}", remote, position);
  }

  @Override
  public void onClose(WebSocket conn, int code, String reason, boolean remote) {
    Object a = conn.getAttachment();
    if (a instanceof Session s) {
      fanout.remove(s);
    }
  }

  @Override
  public void onMessage(WebSocket conn, String message) {
    // the stream is one-way; anything a subscriber sends is ignored
  }

  @Override
  public void onMessage(WebSocket conn, ByteBuffer message) {
    // the stream is one-way; anything a subscriber sends is ignored
  }

  @Override
  public void onError(WebSocket conn, Exception ex) {
    if (conn == null) {
      startError.compareAndSet(null, ex);
      started.countDown();
    } else {
      LOG.debug("subscriber {} error: {}", conn.getRemoteSocketAddress(), ex.toString());
    }
  }

  @Override
  public void onStart() {
    started.countDown();
  }

  /** RFC 6455 with a neutral {@code Server} header and a small inbound frame limit. */
  private static final class QuietDraft extends Draft_6455 {
    QuietDraft() {
      super(List.of(), MAX_INBOUND_FRAME);
    }

    @Override
    public HandshakeBuilder postProcessHandshakeResponseAsServer(
        ClientHandshake request, ServerHandshakeBuilder response) throws org.java_websocket.exceptions.InvalidHandshakeException {
      HandshakeBuilder b = super.postProcessHandshakeResponseAsServer(request, response);
      b.put("Server", SERVER_HEADER);
      return b;
    }

    @Override
    public Draft copyInstance() {
      return new QuietDraft();
    }
  }
}
