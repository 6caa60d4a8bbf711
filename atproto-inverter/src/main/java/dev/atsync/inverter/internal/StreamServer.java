package dev.atsync.inverter.internal;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InfoEvent;
import dev.atsync.firehose.StreamError;
import dev.atsync.inverter.log.EventLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public listener: {@code GET /xrpc/com.atproto.sync.subscribeRepos} over WebSocket, with
 * the lexicon's {@code cursor} parameter, and {@code GET /xrpc/_health} (readiness, as atproto
 * services answer it).
 *
 * <p>Refusals are XRPC errors before the upgrade: {@code 400 InvalidRequest} for a bad cursor or
 * a request that is not a WebSocket upgrade, {@code 503 NotEnoughResources} with
 * {@code Retry-After} when the subscriber limit is reached or the server is stopping, {@code 501
 * MethodNotImplemented} for other XRPC methods, {@code 404 NotFound} elsewhere.
 *
 * <p>Everything a peer controls is bounded ({@link ServerLimits}): connections; the handshake's
 * size, time, and the bytes all handshakes hold together; and what a subscriber may send, which
 * is nothing but control frames of at most {@value ServerLimits#MAX_INBOUND_FRAME} bytes (a data
 * frame or fragment closes the connection with 1008, a larger frame with 1009, so nothing is ever
 * buffered). Pings go out after {@code pingInterval} of silence; a peer silent for twice that is
 * closed.
 */
public final class StreamServer {
  /** The only path served. */
  public static final String PATH = "/xrpc/com.atproto.sync.subscribeRepos";
  /** The health path atproto services answer. */
  public static final String HEALTH_PATH = "/xrpc/_health";
  /** The {@code Server} header sent; relays ban hosts whose header says {@code atproto-relay}. */
  static final String SERVER_HEADER = "atsync-inverter";
  private static final Logger LOG = LoggerFactory.getLogger(StreamServer.class);
  private static final String VERSION = "atsync-inverter "
      + Optional.ofNullable(StreamServer.class.getPackage().getImplementationVersion()).orElse("dev");

  private final InetSocketAddress address;
  private final EventLog log;
  private final Fanout fanout;
  private final SubscriberSettings settings;
  private final ServerLimits limits;
  private final Health health;
  private final ByteBudget handshakeBudget;
  private final ConnectionLimit connections;
  private final AtomicInteger slots = new AtomicInteger();
  private final WebSocketDecoderConfig decoderConfig = WebSocketDecoderConfig.newBuilder()
      .maxFramePayloadLength(ServerLimits.MAX_INBOUND_FRAME)
      .expectMaskedFrames(true)
      .allowMaskMismatch(false)
      .allowExtensions(false)
      .closeOnProtocolViolation(true)
      .withUTF8Validator(false)
      .build();
  private final ChannelGroup channels = new DefaultChannelGroup("public", GlobalEventExecutor.INSTANCE);
  private EventLoopGroup group;
  private Channel server;
  private volatile boolean stopping;

  /** A listener on {@code address}; call {@link #startAndWait()}. */
  public StreamServer(InetSocketAddress address, EventLog log, Fanout fanout, SubscriberSettings settings,
      ServerLimits limits, Health health, Metrics metrics) {
    this.address = address;
    this.log = log;
    this.fanout = fanout;
    this.settings = settings;
    this.limits = limits;
    this.health = health;
    this.handshakeBudget = new ByteBudget("handshakes", limits.maxHandshakeBytesInFlight());
    this.connections = new ConnectionLimit(limits.maxPublicConnections(), HttpAnswers.raw(503, "Service Unavailable",
        HttpAnswers.xrpcError("NotEnoughResources", "this server has " + limits.maxPublicConnections()
            + " connections open; retry later"), SERVER_HEADER));
    metrics.gauge("atsync_inverter_public_connections", "Open connections on the public listener",
        connections::open);
    metrics.gauge("atsync_inverter_public_connections_refused", "Connections refused at the connection limit",
        connections::refused);
    metrics.gauge("atsync_inverter_handshake_bytes", "Handshake bytes held by the public listener",
        handshakeBudget::used);
  }

  /** Binds the listener and waits until it is bound. */
  public void startAndWait() {
    group = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
        new DefaultThreadFactory("atsync-public", true), NioIoHandler.newFactory());
    int high = (int) Math.min(Integer.MAX_VALUE, Math.max(1, settings.maxQueuedBytes()));
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(Math.max(1, high / 2), high))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!connections.admit(ch)) {
              return;
            }
            channels.add(ch);
            Connection c = new Connection();
            ch.pipeline().addLast("guard", c.guard);
            ch.pipeline().addLast("http", limits.requestCodec(8192));
            ch.pipeline().addLast("public", c);
          }
        });
    try {
      server = b.bind(address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException("interrupted while starting", e);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException("public listener failed to start on " + address + ": " + e, e);
    }
  }

  /** The bound port. */
  public int getPort() {
    return server == null ? address.getPort() : ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** The {@code cursor} query parameter: absent, or a non-negative integer. */
  static OptionalLong parseCursor(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return OptionalLong.empty();
    }
    for (String part : rawQuery.split("&")) {
      int eq = part.indexOf('=');
      String name;
      String v;
      try {
        name = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
        v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("malformed query string");
      }
      if (!name.equals("cursor")) {
        continue;
      }
      if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("cursor must be a non-negative integer, got '"
            + (v.length() > 40 ? v.substring(0, 40) + "..." : v) + "'");
      }
      try {
        return OptionalLong.of(Long.parseLong(v));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("cursor out of range");
      }
    }
    return OptionalLong.empty();
  }

  /** One connection: the handshake, then the subscriber's socket. On its event loop. */
  private final class Connection extends ChannelInboundHandlerAdapter {
    /**
     * Before the HTTP decoder until the upgrade: counts the handshake's bytes against the
     * listener's budget and ends a handshake that takes longer than the header timeout.
     */
    final ChannelInboundHandlerAdapter guard = new ChannelInboundHandlerAdapter() {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> refuseRaw(ctx, 408, "Request Timeout", "InvalidRequest",
            "the handshake did not complete within " + limits.headerTimeout().toMillis() + " ms"),
            limits.headerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b && !upgraded) {
          int n = b.readableBytes();
          if (!handshakeBudget.tryReserve(n)) {
            b.release();
            refuseRaw(ctx, 503, "Service Unavailable", "NotEnoughResources",
                "too many handshakes in progress; retry later");
            return;
          }
          held += n;
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        endHandshake();
        ctx.fireChannelInactive();
      }
    };

    ScheduledFuture<?> timer;
    long held;
    boolean upgraded;
    boolean answered;
    boolean slot;
    Session session;
    ScheduledFuture<?> pinger;
    long lastHeardNanos = System.nanoTime();

    private void endHandshake() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
      if (held > 0) {
        handshakeBudget.release(held);
        held = 0;
      }
    }

    private void refuseRaw(ChannelHandlerContext ctx, int status, String reason, String error, String message) {
      if (answered || upgraded) {
        if (!upgraded) {
          ctx.close();
        }
        return;
      }
      answered = true;
      ctx.channel().config().setAutoRead(false);
      ctx.writeAndFlush(Unpooled.wrappedBuffer(HttpAnswers.raw(status, reason, HttpAnswers.xrpcError(error, message),
          SERVER_HEADER))).addListener(ChannelFutureListener.CLOSE);
    }

    private void answer(ChannelHandlerContext ctx, int status, String error, String message, boolean head,
        Map<String, String> extra) {
      answered = true;
      ctx.channel().config().setAutoRead(false);
      HttpAnswers.send(ctx.channel(), status, HttpAnswers.JSON, HttpAnswers.xrpcError(error, message), head, true,
          SERVER_HEADER, extra);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof WebSocketFrame f) {
          onFrame(ctx, f);
        } else if (msg instanceof HttpRequest req) {
          if (!answered && !upgraded) {
            onRequest(ctx, req);
          }
        } else if (msg instanceof HttpContent) {
          // a handshake has no body (requests with one are refused); whatever follows is dropped
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
      DecoderResult dr = req.decoderResult();
      if (dr.isFailure()) {
        Throwable c = dr.cause();
        int status = c instanceof TooLongHttpLineException ? 414 : c instanceof TooLongHttpHeaderException ? 431 : 400;
        answer(ctx, status, "InvalidRequest", "malformed request: " + c.getMessage(), false, Map.of());
        return;
      }
      String uri = req.uri();
      int q = uri.indexOf('?');
      String path = q < 0 ? uri : uri.substring(0, q);
      String query = q < 0 ? null : uri.substring(q + 1);
      boolean head = req.method().equals(HttpMethod.HEAD);
      boolean get = req.method().equals(HttpMethod.GET) || head;
      if (path.equals(HEALTH_PATH) && get) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("version", VERSION);
        boolean ready = health.ready();
        if (!ready) {
          h.put("error", "Service Unavailable");
        }
        answered = true;
        HttpAnswers.send(ctx.channel(), ready ? 200 : 503, HttpAnswers.JSON,
            Json.write(h).getBytes(StandardCharsets.UTF_8), head, true, SERVER_HEADER, Map.of());
        return;
      }
      if (!path.equals(PATH)) {
        if (path.startsWith("/xrpc/")) {
          answer(ctx, 501, "MethodNotImplemented", "method not implemented: " + path.substring(6), head, Map.of());
        } else {
          answer(ctx, 404, "NotFound", "not found: only " + PATH + " is served here", head, Map.of());
        }
        return;
      }
      if (!req.method().equals(HttpMethod.GET)) {
        answer(ctx, 400, "InvalidRequest", "Incorrect HTTP method (" + req.method() + ") expected GET", head,
            Map.of());
        return;
      }
      if (HttpUtil.getContentLength(req, 0L) != 0 || HttpUtil.isTransferEncodingChunked(req)) {
        answer(ctx, 400, "InvalidRequest", "a subscription request has no body", false, Map.of());
        return;
      }
      if (!req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
        answer(ctx, 400, "InvalidRequest", PATH.substring(6) + " is a subscription: connect with a WebSocket upgrade",
            false, Map.of());
        return;
      }
      OptionalLong cursor;
      try {
        cursor = parseCursor(query);
      } catch (IllegalArgumentException e) {
        answer(ctx, 400, "InvalidRequest", e.getMessage(), false, Map.of());
        return;
      }
      if (stopping) {
        answer(ctx, 503, "NotEnoughResources", "the server is shutting down; retry on another node", false,
            Map.of("Retry-After", "5"));
        return;
      }
      if (slots.incrementAndGet() > settings.maxSubscribers()) {
        slots.decrementAndGet();
        answer(ctx, 503, "NotEnoughResources", "this server serves its most subscribers ("
            + settings.maxSubscribers() + "); retry later", false, Map.of("Retry-After", "30"));
        return;
      }
      slot = true;
      WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory("ws://" + req.headers().get(
          HttpHeaderNames.HOST, "localhost") + PATH, null, decoderConfig).newHandshaker(req);
      if (hs == null) {
        answered = true;
        WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      HttpHeaders out = new DefaultHttpHeaders();
      out.set(HttpHeaderNames.SERVER, SERVER_HEADER);
      DefaultFullHttpRequest full = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
          Unpooled.EMPTY_BUFFER, req.headers(), EmptyHttpHeaders.INSTANCE);
      upgraded = true;
      ctx.channel().config().setAutoRead(false);
      // "live" means from the request on: read the head before the 101 goes out, so an event
      // acknowledged after the peer saw the upgrade cannot fall between the answer and the fan-out
      long liveFrom = log.lastSeq();
      hs.handshake(ctx.channel(), full, out, ctx.newPromise()).addListener(f -> {
        if (!f.isSuccess()) {
          LOG.debug("handshake with {} failed: {}", ctx.channel().remoteAddress(), f.cause().toString());
          ctx.close();
          return;
        }
        endHandshake();
        ctx.pipeline().remove(guard);
        open(ctx, cursor, liveFrom);
        ctx.channel().config().setAutoRead(true);
      });
    }

    /** The upgrade is done: position the subscriber by its cursor and give it to the fan-out. */
    private void open(ChannelHandlerContext ctx, OptionalLong cursor, long liveFrom) {
      Channel ch = ctx.channel();
      String remote = String.valueOf(ch.remoteAddress());
      long last = log.lastSeq();
      long position;
      if (cursor.isEmpty()) {
        position = Math.min(liveFrom, last);
      } else if (cursor.getAsLong() > last) {
        if (!settings.futureCursorLive()) {
          ch.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(Frame.ofError(StreamError.of(
              StreamError.FUTURE_CURSOR, "cursor " + cursor.getAsLong() + " is ahead of the stream (last seq " + last
                  + ")")).bytes())));
          ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE.code(),
              StreamError.FUTURE_CURSOR)).addListener(ChannelFutureListener.CLOSE);
          return;
        }
        position = last;
      } else {
        long oldest = log.oldestSeq();
        position = cursor.getAsLong();
        if (position < oldest - 1) {
          ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new InfoEvent(InfoEvent.OUTDATED_CURSOR,
              Optional.of("cursor " + position + " is older than the backfill window; replaying from seq " + oldest))
              .toFrame().bytes())));
          position = oldest - 1;
        }
      }
      session = new Session(ch, position, remote);
      long every = settings.pingInterval().toNanos();
      lastHeardNanos = System.nanoTime();
      pinger = ctx.executor().scheduleAtFixedRate(() -> ping(ctx), every, every, TimeUnit.NANOSECONDS);
      fanout.add(session);
      LOG.debug("subscriber {} from seq {}", remote, position);
    }

    /** Pings a quiet peer; closes one that has been silent (not even a pong) for two intervals. */
    private void ping(ChannelHandlerContext ctx) {
      long silent = System.nanoTime() - lastHeardNanos;
      if (silent > 2 * settings.pingInterval().toNanos()) {
        LOG.debug("subscriber {} silent for {} ms: closing", ctx.channel().remoteAddress(), silent / 1_000_000);
        ctx.close();
        return;
      }
      ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'a', 't'})));
    }

    private void onFrame(ChannelHandlerContext ctx, WebSocketFrame f) {
      lastHeardNanos = System.nanoTime();
      if (f instanceof PingWebSocketFrame) {
        ctx.writeAndFlush(new PongWebSocketFrame(f.content().retain()));
      } else if (f instanceof PongWebSocketFrame) {
        // heard: nothing else to do
      } else if (f instanceof CloseWebSocketFrame c) {
        leave();
        ctx.writeAndFlush(new CloseWebSocketFrame(c.statusCode() < 0 ? 1000 : c.statusCode(), ""))
            .addListener(ChannelFutureListener.CLOSE);
      } else {
        // subscribeRepos is one-way: a subscriber sends nothing, so nothing it sends is buffered
        leave();
        ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION.code(),
            "subscribeRepos takes no messages")).addListener(ChannelFutureListener.CLOSE);
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      Session s = session;
      if (s != null) {
        if (ctx.channel().isWritable()) {
          s.unwritableSince = 0; // the fan-out's next pass (at most 20 ms away) sends more
        } else if (s.unwritableSince == 0) {
          s.unwritableSince = System.nanoTime();
        }
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (pinger != null) {
        pinger.cancel(false);
      }
      leave();
      ctx.fireChannelInactive();
    }

    /**
     * The subscriber is done (it closed, broke the protocol, or its connection ended): its place
     * is freed first, so once the subscriber count shows it gone a new subscriber can take it,
     * and it leaves the fan-out. Idempotent; on the channel's event loop.
     */
    private void leave() {
      if (slot) {
        slot = false;
        slots.decrementAndGet();
      }
      if (session != null) {
        session.closing.set(true);
        fanout.remove(session);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (Health.isFatal(cause)) {
        health.fatal("public network thread", cause);
      } else {
        LOG.debug("subscriber {} error: {}", ctx.channel().remoteAddress(), cause.toString());
      }
      ctx.close();
    }
  }

  /** Refuses new subscribers from now on (503 NotEnoughResources). */
  public void stopAccepting() {
    stopping = true;
  }

  /**
   * Closes every subscriber with a close frame (1001, going away), waits up to
   * {@code timeoutMillis} for the frames to go out, then closes what is left and the listener.
   */
  public void stop(int timeoutMillis, String reason) throws InterruptedException {
    stopping = true;
    if (server == null) {
      return;
    }
    server.close().await(timeoutMillis);
    java.util.Set<Channel> subscribers = new java.util.HashSet<>();
    for (Session s : fanout.sessions()) {
      s.closing.set(true);
      subscribers.add(s.channel);
      s.channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), reason))
          .addListener(ChannelFutureListener.CLOSE);
    }
    for (Channel c : channels) {
      if (!subscribers.contains(c)) {
        c.close(); // a handshake in progress, or an answer going out
      }
    }
    long deadline = System.currentTimeMillis() + timeoutMillis;
    for (Channel c : channels) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0 || !c.closeFuture().await(left)) {
        break;
      }
    }
    channels.close().await(1000);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5000);
  }
}
