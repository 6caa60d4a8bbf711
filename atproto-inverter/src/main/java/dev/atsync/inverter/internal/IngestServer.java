package dev.atsync.inverter.internal;

import dev.atsync.firehose.ingest.IngestError;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.firehose.ingest.IngestProtocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest listener: {@code POST /events} for PDS instances; {@code GET /health/live},
 * {@code /health/ready} (and {@code /health}, the same as ready) and {@code /metrics}. Binds to
 * the configured address (loopback by default). Answers a post only after its events are durable;
 * refuses posts once shutdown has begun.
 *
 * <p>Every answer is the push protocol's ({@link IngestProtocol}). Everything a peer controls is
 * bounded ({@link ServerLimits}): connections, the request head's size and the time it takes to
 * arrive, the body's size and the time it takes, the idle time between requests, and the bytes of
 * bodies held at once by the whole listener. Sockets are read on a network thread that never
 * blocks; a whole body is handed to the ingest threads, so slow or idle peers hold no thread.
 * A body is copied once, from the network buffers into an array of exactly its size.
 */
public final class IngestServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestServer.class);
  private static final int MAX_CHUNK = 64 * 1024;
  private static final long BUDGET_POLL_MILLIS = 5;

  private final IngestPipeline pipeline;
  private final TokenSet tokens;
  private final long maxBodyBytes;
  private final ServerLimits limits;
  private final Metrics metrics;
  private final Health health;
  private final ByteBudget budget;
  private final ConnectionLimit connections;
  private final EventLoopGroup group;
  private final ExecutorService workers;
  private final ChannelGroup channels = new DefaultChannelGroup("ingest", GlobalEventExecutor.INSTANCE);
  private final Channel server;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean accepting = true;
  /** The admin routes, when an admin token is configured (else {@code /admin/...} is 404 like any unknown path). */
  private volatile AdminRoutes admin;

  /** Binds the listener; it serves at once. */
  public IngestServer(InetSocketAddress address, IngestPipeline pipeline, TokenSet tokens, long maxBodyBytes,
      ServerLimits limits, Metrics metrics, Health health) throws IOException {
    this.pipeline = pipeline;
    this.tokens = tokens;
    this.maxBodyBytes = maxBodyBytes;
    this.limits = limits;
    this.metrics = metrics;
    this.health = health;
    this.budget = new ByteBudget("ingest bodies", limits.maxIngestBytesInFlight());
    this.connections = new ConnectionLimit(limits.maxIngestConnections(), HttpAnswers.raw(503,
        "Service Unavailable", IngestProtocol.errorBody(new IngestException(IngestError.UNAVAILABLE,
            "the ingest listener has " + limits.maxIngestConnections() + " connections open; retry", Map.of())),
        null));
    metrics.gauge("atsync_inverter_ingest_connections", "Open connections on the ingest listener", connections::open);
    metrics.gauge("atsync_inverter_ingest_body_bytes", "Request body bytes held by the ingest listener", budget::used);
    metrics.gauge("atsync_inverter_ingest_body_bytes_peak", "Most request body bytes held at once", budget::peak);
    metrics.gauge("atsync_inverter_ingest_connections_refused", "Connections refused at the connection limit",
        connections::refused);
    this.workers = new ThreadPoolExecutor(limits.ingestThreads(), limits.ingestThreads(), 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), new DefaultThreadFactory("atsync-ingest", true));
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("atsync-ingest-io", true),
        NioIoHandler.newFactory());
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 128)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (!connections.admit(ch)) {
              return;
            }
            channels.add(ch);
            Connection c = new Connection();
            ch.pipeline().addLast("start", c.watcher);
            ch.pipeline().addLast("http", limits.requestCodec(MAX_CHUNK));
            ch.pipeline().addLast("ingest", c);
          }
        });
    try {
      this.server = b.bind(address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdownThreads();
      throw new IOException("interrupted while binding " + address, e);
    } catch (RuntimeException e) {
      shutdownThreads();
      throw new IOException("cannot bind " + address + ": " + e.getMessage(), e);
    }
  }

  /** Serves the admin routes ({@code /admin/...}) from now on. */
  public void admin(AdminRoutes routes) {
    this.admin = routes;
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** The media type without parameters must be the protocol's; nothing else is guessed at. */
  static boolean isCbor(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String bare = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return bare.equalsIgnoreCase(IngestProtocol.CONTENT_TYPE);
  }

  private enum State {
    /** Between requests (or before the first): the idle timer runs. */
    IDLE,
    /** A request's first bytes arrived: its head must be complete before the header timer fires. */
    HEAD,
    /** A post's body is being read into its buffer: the body timer runs. */
    BODY,
    /** A post waits for room in the listener's budget before its body is read. */
    WAIT_BUDGET,
    /** A refused request's body is read and dropped, up to a bound. */
    DISCARD,
    /** The post is being stored; the connection reads nothing meanwhile. */
    PROCESSING,
    /** An answer that ends the connection was sent. */
    CLOSING
  }

  /** One connection: its state, timer and current request. Runs on the connection's event loop. */
  private final class Connection extends ChannelInboundHandlerAdapter {
    /** Sits before the HTTP decoder, so the header timer starts at a request's first byte. */
    final ChannelInboundHandlerAdapter watcher = new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.IDLE && msg instanceof ByteBuf b && b.isReadable()) {
          state = State.HEAD;
          arm(ctx, limits.headerTimeout(), () -> timeout(ctx, "the request head did not arrive within "
              + limits.headerTimeout().toMillis() + " ms"));
        }
        ctx.fireChannelRead(msg);
      }
    };

    State state = State.IDLE;
    ScheduledFuture<?> timer;
    boolean keepAlive;
    boolean head;
    boolean counted;
    // the body of the post being read
    long reserved;
    long expected = -1;
    byte[] body;
    int filled;
    CompositeByteBuf chunks;
    long discarded;
    long discardLimit;
    boolean respondAfterDiscard;
    List<HttpContent> held;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      arm(ctx, limits.idleTimeout(), ctx::close);
      ctx.fireChannelActive();
    }

    private void arm(ChannelHandlerContext ctx, Duration d, Runnable r) {
      disarm();
      timer = ctx.executor().schedule(r, d.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void disarm() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    private void timeout(ChannelHandlerContext ctx, String message) {
      if (state == State.PROCESSING || state == State.CLOSING) {
        return;
      }
      LOG.debug("ingest connection {}: {}", ctx.channel().remoteAddress(), message);
      answer(ctx, IngestError.REQUEST_TIMEOUT, message);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpRequest req) {
          onRequest(ctx, req);
        }
        if (msg instanceof HttpContent c) {
          onContent(ctx, c);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
      if (state == State.CLOSING) {
        return;
      }
      if (state == State.PROCESSING) {
        keepAlive = false; // a pipelined request: dropped, and the connection ends after the current answer
        return;
      }
      disarm();
      DecoderResult dr = req.decoderResult();
      if (dr.isFailure()) {
        Throwable c = dr.cause();
        IngestError e = c instanceof TooLongHttpLineException || c instanceof TooLongHttpHeaderException
            || c instanceof TooLongFrameException ? IngestError.HEADERS_TOO_LARGE : IngestError.INVALID_REQUEST;
        answer(ctx, e, "malformed request: " + c.getMessage());
        return;
      }
      keepAlive = HttpUtil.isKeepAlive(req);
      head = req.method().equals(HttpMethod.HEAD);
      String uri = req.uri();
      int q = uri.indexOf('?');
      String path = q < 0 ? uri : uri.substring(0, q);
      HttpMethod m = req.method();
      boolean get = m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD);
      if (path.equals(IngestProtocol.PATH)) {
        if (!m.equals(HttpMethod.POST)) {
          refuseThenDiscard(ctx, req, IngestError.METHOD_NOT_ALLOWED, "use POST", false);
          return;
        }
        post(ctx, req);
      } else if (get && (path.equals("/health") || path.equals("/health/ready"))) {
        Map<String, Object> h = health.readiness();
        respondThenDiscard(ctx, req, health.ready() ? 200 : 503, HttpAnswers.JSON,
            Json.write(h).getBytes(StandardCharsets.UTF_8));
      } else if (get && path.equals("/health/live")) {
        respondThenDiscard(ctx, req, health.live() ? 200 : 503, HttpAnswers.JSON,
            Json.write(health.liveness()).getBytes(StandardCharsets.UTF_8));
      } else if (get && path.equals("/metrics")) {
        if (metrics.scrapable()) {
          respondThenDiscard(ctx, req, 200, "text/plain; version=0.0.4; charset=utf-8",
              metrics.scrape().getBytes(StandardCharsets.UTF_8));
        } else {
          refuseThenDiscard(ctx, req, IngestError.NOT_FOUND, "the metrics are on the embedder's meter registry,"
              + " which is not a Prometheus registry", false);
        }
      } else if (admin != null && AdminRoutes.handles(path)) {
        AdminRoutes.Answer a = admin.answer(m.name(), path, req.headers().get(HttpHeaderNames.AUTHORIZATION));
        respondThenDiscard(ctx, req, a.status(), HttpAnswers.JSON, a.body());
      } else {
        refuseThenDiscard(ctx, req, IngestError.NOT_FOUND, "no such endpoint: " + path, false);
      }
    }

    private void post(ChannelHandlerContext ctx, HttpRequest req) {
      if (!accepting) {
        refuseThenDiscard(ctx, req, IngestError.SHUTTING_DOWN, "the inverter is shutting down; retry on another node",
            false);
        return;
      }
      String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
      if (!tokens.accepts(auth)) {
        refuseThenDiscard(ctx, req, auth == null ? IngestError.AUTHENTICATION_REQUIRED : IngestError.INVALID_TOKEN,
            auth == null ? "an Authorization: Bearer token is required" : "the bearer token is not accepted", true);
        return;
      }
      String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
      if (!isCbor(type)) {
        refuseThenDiscard(ctx, req, IngestError.UNSUPPORTED_MEDIA_TYPE, "expected Content-Type "
            + IngestProtocol.CONTENT_TYPE + ", got " + (type == null ? "none" : type), true);
        return;
      }
      long length;
      try {
        length = HttpUtil.getContentLength(req, -1L);
      } catch (NumberFormatException e) {
        pipeline.countRefusal(IngestError.INVALID_REQUEST);
        answer(ctx, IngestError.INVALID_REQUEST, "malformed Content-Length");
        return;
      }
      boolean chunked = HttpUtil.isTransferEncodingChunked(req);
      if (length < 0 && !chunked) {
        length = 0; // no body
      }
      if (length > maxBodyBytes) {
        refuseThenDiscard(ctx, req, IngestError.PAYLOAD_TOO_LARGE, "body exceeds " + maxBodyBytes + " bytes", true);
        return;
      }
      inFlight.incrementAndGet();
      counted = true;
      expected = chunked ? -1 : length;
      reserveThenRead(ctx, req);
    }

    /** Reserves the body's bytes in the listener's budget (waiting if need be), then reads it. */
    private void reserveThenRead(ChannelHandlerContext ctx, HttpRequest req) {
      long want = expected >= 0 ? expected : 0;
      if (budget.tryReserve(want)) {
        startBody(ctx, req, want);
        return;
      }
      state = State.WAIT_BUDGET;
      ctx.channel().config().setAutoRead(false);
      long deadline = System.nanoTime() + limits.bodyTimeout().toNanos();
      Runnable[] poll = new Runnable[1];
      poll[0] = () -> {
        if (state != State.WAIT_BUDGET) {
          return;
        }
        if (budget.tryReserve(want)) {
          ctx.channel().config().setAutoRead(true);
          startBody(ctx, req, want);
          List<HttpContent> h = held;
          held = null;
          if (h != null) {
            for (HttpContent c : h) {
              try {
                onContent(ctx, c);
              } finally {
                c.release();
              }
            }
          }
        } else if (System.nanoTime() > deadline) {
          answer(ctx, IngestError.UNAVAILABLE, "the ingest listener holds its most request bytes ("
              + budget.capacity() + "); retry");
        } else {
          timer = ctx.executor().schedule(poll[0], BUDGET_POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
      };
      timer = ctx.executor().schedule(poll[0], BUDGET_POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void startBody(ChannelHandlerContext ctx, HttpRequest req, long reservation) {
      reserved = reservation;
      state = State.BODY;
      filled = 0;
      if (expected >= 0) {
        body = new byte[(int) expected];
      } else {
        chunks = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
      }
      if (HttpUtil.is100ContinueExpected(req)) {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
            Unpooled.EMPTY_BUFFER));
      }
      arm(ctx, limits.bodyTimeout(), () -> timeout(ctx, "the request body did not arrive within "
          + limits.bodyTimeout().toMillis() + " ms"));
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent c) {
      switch (state) {
        case WAIT_BUDGET -> {
          if (held == null) {
            held = new java.util.ArrayList<>(4);
          }
          held.add(c.retain());
        }
        case BODY -> body(ctx, c);
        case DISCARD -> {
          discarded += c.content().readableBytes();
          if (discarded > discardLimit) {
            state = State.CLOSING;
            ctx.close();
          } else if (c instanceof LastHttpContent) {
            disarm();
            if (respondAfterDiscard) {
              state = State.CLOSING;
              ctx.close();
            } else {
              idle(ctx);
            }
          }
        }
        default -> {
          // content of a request already answered and closing, or of a post being stored: dropped
        }
      }
    }

    private void body(ChannelHandlerContext ctx, HttpContent c) {
      ByteBuf in = c.content();
      int n = in.readableBytes();
      if (n > 0) {
        if (body != null) {
          if (filled + (long) n > body.length) {
            answer(ctx, IngestError.INVALID_REQUEST, "body longer than its Content-Length");
            return;
          }
          in.readBytes(body, filled, n);
          filled += n;
        } else {
          if (chunks.readableBytes() + (long) n > maxBodyBytes) {
            answer(ctx, IngestError.PAYLOAD_TOO_LARGE, "body exceeds " + maxBodyBytes + " bytes");
            return;
          }
          if (!budget.tryReserve(n)) {
            // the listener is at its budget: this chunk is already here, but read no more until there is room
            answer(ctx, IngestError.UNAVAILABLE, "the ingest listener holds its most request bytes ("
                + budget.capacity() + "); retry");
            return;
          }
          reserved += n;
          chunks.addComponent(true, in.retain());
        }
      }
      if (c instanceof LastHttpContent) {
        byte[] b;
        if (body != null) {
          if (filled != body.length) {
            answer(ctx, IngestError.INVALID_REQUEST, "body shorter than its Content-Length");
            return;
          }
          b = body;
        } else {
          b = new byte[chunks.readableBytes()];
          chunks.readBytes(b);
          chunks.release();
          chunks = null;
        }
        body = null;
        process(ctx, b);
      }
    }

    private void process(ChannelHandlerContext ctx, byte[] b) {
      disarm();
      state = State.PROCESSING;
      ctx.channel().config().setAutoRead(false);
      long hold = reserved;
      reserved = 0;
      byte[][] body = {b};
      long received = System.nanoTime();
      try {
        workers.execute(() -> store(ctx, body, hold, received));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        budget.release(hold);
        answer(ctx, IngestError.SHUTTING_DOWN, "the inverter is shutting down; retry on another node");
      }
    }

    /**
     * On an ingest thread: decode, check, store; then answer on the connection's event loop. The
     * body is dropped once decoded (the frames are copies), so it is not held while they are
     * checked and stored.
     */
    private void store(ChannelHandlerContext ctx, byte[][] body, long hold, long received) {
      int status;
      byte[] out;
      try {
        List<dev.atsync.firehose.Frame> frames = pipeline.decode(body[0]);
        body[0] = null;
        List<Long> seqs = pipeline.ingest(frames, received);
        status = 200;
        out = IngestProtocol.acceptedBody(seqs);
      } catch (IngestException e) {
        status = e.status();
        out = IngestProtocol.errorBody(e);
      } catch (RuntimeException e) {
        LOG.error("ingest failed unexpectedly", e);
        IngestException u = new IngestException(IngestError.UNAVAILABLE, "internal error; retry", Map.of());
        status = u.status();
        out = IngestProtocol.errorBody(u);
      } catch (Error e) {
        budget.release(hold);
        health.fatal("ingest thread", e);
        ctx.close();
        throw e;
      }
      budget.release(hold);
      int s = status;
      byte[] o = out;
      ctx.executor().execute(() -> {
        finished();
        if (!ctx.channel().isActive()) {
          return;
        }
        boolean close = !keepAlive || !accepting;
        HttpAnswers.send(ctx.channel(), s, HttpAnswers.JSON, o, false, close, null, Map.of());
        if (close) {
          state = State.CLOSING;
        } else {
          idle(ctx);
        }
      });
    }

    private void finished() {
      if (counted) {
        counted = false;
        inFlight.decrementAndGet();
      }
    }

    private void idle(ChannelHandlerContext ctx) {
      state = State.IDLE;
      ctx.channel().config().setAutoRead(true);
      arm(ctx, limits.idleTimeout(), ctx::close);
    }

    /** Answers with the protocol's error; the connection stays open only if the rest of the body can be read and dropped. */
    private void refuseThenDiscard(ChannelHandlerContext ctx, HttpRequest req, IngestError error, String message,
        boolean count) {
      if (count) {
        pipeline.countRefusal(error);
      }
      byte[] b = IngestProtocol.errorBody(new IngestException(error, message, Map.of()));
      respondThenDiscard(ctx, req, error.status(), HttpAnswers.JSON, b);
    }

    /**
     * Answers at once, then reads and drops the request's body (up to a bound, within the body
     * timeout) so the client reads the answer instead of a reset; a body that is too long, or one
     * the client waits to send ({@code Expect: 100-continue}), ends the connection instead.
     */
    private void respondThenDiscard(ChannelHandlerContext ctx, HttpRequest req, int status, String type, byte[] b) {
      long length;
      try {
        length = HttpUtil.getContentLength(req, -1L);
      } catch (NumberFormatException e) {
        length = Long.MAX_VALUE;
      }
      boolean chunked = HttpUtil.isTransferEncodingChunked(req);
      boolean noBody = length <= 0 && !chunked;
      discardLimit = Math.max(maxBodyBytes, 1L << 20) * 2;
      boolean close = !keepAlive || !accepting || HttpUtil.is100ContinueExpected(req) || length > discardLimit;
      HttpAnswers.send(ctx.channel(), status, type, b, head, close, null, Map.of());
      finished();
      if (close) {
        state = State.CLOSING;
        return;
      }
      state = State.DISCARD;
      discarded = 0;
      respondAfterDiscard = false;
      if (noBody) {
        // the decoder still delivers an empty last content, which ends the discard
        arm(ctx, limits.bodyTimeout(), ctx::close);
        return;
      }
      arm(ctx, limits.bodyTimeout(), ctx::close);
    }

    /** Answers with the protocol's error and ends the connection. */
    private void answer(ChannelHandlerContext ctx, IngestError error, String message) {
      disarm();
      releaseBody();
      finished();
      state = State.CLOSING;
      byte[] b = IngestProtocol.errorBody(new IngestException(error, message, Map.of()));
      HttpAnswers.send(ctx.channel(), error.status(), HttpAnswers.JSON, b, false, true, null, Map.of());
    }

    private void releaseBody() {
      if (reserved > 0) {
        budget.release(reserved);
        reserved = 0;
      }
      body = null;
      if (chunks != null) {
        chunks.release();
        chunks = null;
      }
      if (held != null) {
        held.forEach(HttpContent::release);
        held = null;
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      disarm();
      if (state != State.PROCESSING) {
        releaseBody();
        finished();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (Health.isFatal(cause)) {
        health.fatal("ingest network thread", cause);
      } else {
        LOG.debug("ingest connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
      }
      ctx.close();
    }
  }

  /** Stops taking new posts; in-flight posts finish (up to {@code timeoutMillis}). */
  public void drain(long timeoutMillis) {
    accepting = false;
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    drain(10_000);
    server.close().syncUninterruptibly();
    channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    shutdownThreads();
  }

  private void shutdownThreads() {
    workers.shutdownNow();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
