package dev.atsync.inverter;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.FrameLimits;
import dev.atsync.firehose.StreamEvent;
import dev.atsync.inverter.internal.AdminRoutes;
import dev.atsync.inverter.internal.BuildInfo;
import dev.atsync.inverter.internal.Fanout;
import dev.atsync.inverter.internal.Health;
import dev.atsync.inverter.internal.IngestPipeline;
import dev.atsync.inverter.internal.IngestServer;
import dev.atsync.inverter.internal.Metrics;
import dev.atsync.inverter.internal.ServerLimits;
import dev.atsync.inverter.internal.StreamServer;
import dev.atsync.inverter.internal.SubscriberSettings;
import dev.atsync.inverter.internal.TokenSet;
import dev.atsync.inverter.internal.UpstreamFollower;
import dev.atsync.inverter.log.EventLog;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The firehose inverter: several instances of one PDS publish their event-stream frames to it
 * (over {@code POST /events} or in-process with {@link #publish}); it assigns one sequence,
 * stores the events durably in its {@link EventLog}, and serves one ordered
 * {@code com.atproto.sync.subscribeRepos} WebSocket stream, with cursor backfill, to every relay.
 *
 * <pre>{@code
 * try (Inverter inverter = Inverter.builder()
 *     .log(EventLog.over(SqliteEventStore.open(dataDir, SqliteEventStore.Settings.DEFAULT)))
 *     .publicAddress(new InetSocketAddress(2470))
 *     .ingestTokens(List.of(token))
 *     .build()
 *     .start()) {
 *   List<Long> seqs = inverter.publish(commitEvent);   // or POST /events on 127.0.0.1:2471
 * }
 * }</pre>
 *
 * <p><b>Health and crashes.</b> Liveness ({@code GET /health/live} on the ingest listener) is
 * lost when a worker dies (an {@link Error} such as {@link OutOfMemoryError} in any worker, a
 * worker thread gone): the inverter then calls its fatal-error handler once, which by default
 * halts the JVM with status 70 so a supervisor restarts it (see
 * {@link Builder#onFatalError(Consumer)}). Readiness ({@code GET /health/ready}, {@code /health};
 * {@code GET /xrpc/_health} on the public listener) also requires that the log takes appends now.
 *
 * <p>The inverter owns the log it is given and closes it. Thread-safe.
 */
public final class Inverter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Inverter.class);

  private final Config config;
  private final EventLog log;
  private final Metrics metrics;
  private final Health health;
  private final IngestPipeline pipeline;
  private final Fanout fanout;
  private final StreamServer streamServer;
  private IngestServer ingestServer;
  private final List<UpstreamFollower> followers = new ArrayList<>();
  private volatile boolean started;
  private volatile boolean closed;

  /** What the builder said, copied at {@link Builder#build()}: later changes to the builder do not reach here. */
  private record Config(InetSocketAddress ingestAddress, List<String> tokens, long maxBodyBytes,
      Duration drainTimeout, ServerLimits limits, Optional<String> adminToken) {
    @Override
    public String toString() {
      return "Config[ingestAddress=" + ingestAddress + ", tokens=" + tokens.size() + " (hidden), admin token "
          + (adminToken.isPresent() ? "set" : "none") + "]";
    }
  }

  private Inverter(Builder b) {
    ServerLimits limits = new ServerLimits(b.maxHeaderBytes, b.headerTimeout, b.bodyTimeout, b.idleTimeout,
        b.maxIngestConnections, b.maxPublicConnections > 0 ? b.maxPublicConnections : b.maxSubscribers + 128,
        b.maxIngestBytesInFlight, b.maxHandshakeBytesInFlight, b.maxBackfillBytesInFlight, INGEST_THREADS);
    this.config = new Config(b.ingestAddress, List.copyOf(b.tokens), b.maxBodyBytes, b.drainTimeout, limits,
        Optional.ofNullable(b.adminToken));
    this.log = Objects.requireNonNull(b.log, "log");
    this.metrics = new Metrics(b.meterRegistry);
    this.pipeline = new IngestPipeline(log, b.frameLimits, b.maxFramesPerRequest, b.check, b.reorderWait, metrics);
    SubscriberSettings s = new SubscriberSettings(b.maxSubscribers, b.futureCursorLive, b.maxQueuedBytes,
        b.maxLagEvents, b.maxLagTime, b.writeTimeout, b.pingInterval, b.recentFrames, b.recentBytes);
    Fanout[] f = new Fanout[1];
    this.health = new Health(log, b.onFatal, () -> f[0] == null ? 0 : f[0].size());
    this.fanout = new Fanout(log, s, metrics, health, limits.maxBackfillBytesInFlight(), BACKFILL_THREADS);
    f[0] = fanout;
    this.streamServer = new StreamServer(b.publicAddress, log, fanout, s, limits, health, metrics);
    for (java.util.function.IntConsumer l : List.copyOf(b.subscriberListeners)) {
      fanout.onCountChanged(l);
    }
    for (URI upstream : List.copyOf(b.upstreams)) {
      followers.add(new UpstreamFollower(upstream, pipeline, log, metrics, b.upstreamBackoff));
    }
    if (!followers.isEmpty()) {
      health.addDetail("upstreams", this::upstreamDetails);
    }
    metrics.gauge("atsync_inverter_last_seq", "Highest seq assigned", log::lastSeq);
    metrics.gauge("atsync_inverter_oldest_seq", "Oldest seq in the backfill window", log::oldestSeq);
    metrics.gauge("atsync_inverter_ready", "1 when the inverter is ready (the log takes appends)",
        () -> health.ready() ? 1 : 0);
    metrics.gauge("atsync_inverter_live", "1 until a worker died", () -> health.live() ? 1 : 0);
    BuildInfo build = BuildInfo.of(Inverter.class);
    metrics.info("atsync_build", "The running build: always 1, labelled with its version and git revision",
        "version", build.version(), "revision", build.revision());
  }

  /** A builder with safe defaults: public listener on port 2470, ingest on 127.0.0.1:2471. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the listeners and starts delivering.
   *
   * @return this
   * @throws UncheckedIOException if a listener cannot bind
   */
  public synchronized Inverter start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    fanout.start();
    try {
      streamServer.startAndWait();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    if (config.ingestAddress() != null) {
      try {
        ingestServer = new IngestServer(config.ingestAddress(), pipeline, new TokenSet(config.tokens()),
            config.maxBodyBytes(), config.limits(), metrics, health);
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("ingest listener failed to bind " + config.ingestAddress(), e);
      }
      if (config.adminToken().isPresent()) {
        ingestServer.admin(new AdminRoutes(new TokenSet(List.of(config.adminToken().get()), "admin"), fanout,
            this::upstreams, log));
      }
    }
    health.start();
    for (UpstreamFollower f : followers) {
      f.start();
    }
    LOG.info("inverter started: subscribeRepos on port {}, ingest {}, {} upstream(s)", publicPort(),
        ingestServer == null ? "in-process only" : "on port " + ingestServer.port(), followers.size());
    return this;
  }

  /**
   * Publishes one or more concatenated event-stream frames, exactly as a {@code POST /events}
   * body, and returns their seqs once they are durable.
   *
   * @throws dev.atsync.firehose.ingest.IngestException if any frame is refused or the log cannot
   *     store them (then nothing is stored)
   */
  public List<Long> publish(byte[] frames) {
    requireOpen();
    return pipeline.ingest(frames);
  }

  /** Publishes decoded frames; see {@link #publish(byte[])}. */
  public List<Long> publish(List<Frame> frames) {
    requireOpen();
    return pipeline.ingest(frames);
  }

  /**
   * Publishes events as one batch, each as its frame; an event's own {@code seq} is ignored (the
   * inverter assigns one, returned in order). See {@link #publish(byte[])}.
   */
  public List<Long> publish(StreamEvent... events) {
    List<Frame> frames = new ArrayList<>(events.length);
    for (StreamEvent e : events) {
      frames.add(e.toFrame());
    }
    return publish(frames);
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("inverter is closed");
    }
  }

  /** The bound port of the public subscribeRepos listener. */
  public int publicPort() {
    return streamServer.getPort();
  }

  /** The bound port of the ingest listener, if it runs. */
  public Optional<Integer> ingestPort() {
    return Optional.ofNullable(ingestServer).map(IngestServer::port);
  }

  /** Number of connected subscribers. */
  public int subscriberCount() {
    return fanout.size();
  }

  /**
   * The Prometheus text exposition of the inverter's metrics (also served at {@code /metrics}).
   *
   * @throws IllegalStateException if the embedder's {@link Builder#meterRegistry registry} is not
   *     (and does not contain) a Prometheus registry
   */
  public String metricsText() {
    return metrics.scrape();
  }

  /** The registry the inverter's meters are on: the embedder's, or the inverter's own Prometheus registry. */
  public MeterRegistry meterRegistry() {
    return metrics.registry();
  }

  /** How each upstream is followed (pull mode), in the order they were configured. */
  public List<UpstreamStatus> upstreams() {
    List<UpstreamStatus> out = new ArrayList<>(followers.size());
    for (UpstreamFollower f : followers) {
      out.add(f.status());
    }
    return out;
  }

  /** The upstreams as the health answers show them. */
  private List<Map<String, Object>> upstreamDetails() {
    List<Map<String, Object>> ups = new ArrayList<>();
    for (UpstreamStatus u : upstreams()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("endpoint", u.endpoint().toString());
      m.put("connected", u.connected());
      u.cursor().ifPresent(c -> m.put("cursor", c));
      m.put("events", u.events());
      m.put("duplicates", u.duplicates());
      m.put("refused", u.refused());
      m.put("reconnects", u.reconnects());
      m.put("cursorResets", u.cursorResets());
      m.put("queued", u.queued());
      u.lastEventAgeMillis().ifPresent(a -> m.put("lastEventAgeMillis", a));
      ups.add(m);
    }
    return ups;
  }

  /**
   * Whether the inverter is ready: live, not shutting down, and its log takes appends now (as
   * {@code GET /health/ready} and {@code GET /xrpc/_health} answer). Never blocks.
   */
  public boolean ready() {
    return health.ready();
  }

  /** Whether no worker has died (as {@code GET /health/live} answers). Never blocks. */
  public boolean live() {
    return health.live();
  }

  /**
   * Shuts down gracefully: stops taking posts, lets in-flight posts finish and become durable,
   * delivers what subscribers can take within the drain timeout, closes every socket with a close
   * frame (1001, going away), then closes the log.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (UpstreamFollower f : followers) {
      f.close();
    }
    health.stopping();
    streamServer.stopAccepting();
    if (ingestServer != null) {
      ingestServer.close();
    }
    fanout.wake();
    long deadline = System.currentTimeMillis() + config.drainTimeout().toMillis();
    while (System.currentTimeMillis() < deadline && fanout.tailSeq() < log.lastSeq()) {
      sleep(10);
    }
    fanout.close();
    try {
      streamServer.stop((int) Math.max(1000, config.drainTimeout().toMillis()), "server shutting down");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
    health.close();
    metrics.close();
    LOG.info("inverter stopped at seq {}", log.lastSeq());
  }

  private static final int INGEST_THREADS = 8;
  private static final int BACKFILL_THREADS = 2;

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Configures an {@link Inverter}. Every setting has a safe default except the log and the tokens. */
  public static final class Builder {
    private EventLog log;
    private InetSocketAddress publicAddress = new InetSocketAddress(2470);
    private InetSocketAddress ingestAddress = new InetSocketAddress("127.0.0.1", 2471);
    private final List<String> tokens = new ArrayList<>();
    private EventCheck check = VerifyingCheck.structural();
    private FrameLimits frameLimits = FrameLimits.DEFAULT;
    private int maxFramesPerRequest = 1000;
    private long maxBodyBytes = 16L * 1024 * 1024;
    private int maxSubscribers = 1000;
    private boolean futureCursorLive;
    private long maxQueuedBytes = 4L * 1024 * 1024;
    private long maxLagEvents = 100_000;
    private Duration maxLagTime = Duration.ofSeconds(60);
    private Duration writeTimeout = Duration.ofSeconds(30);
    private Duration pingInterval = Duration.ofSeconds(30);
    private Duration drainTimeout = Duration.ofSeconds(5);
    private Duration reorderWait = Duration.ofSeconds(3);
    private final List<URI> upstreams = new ArrayList<>();
    private Duration upstreamBackoff = Duration.ofMillis(500);
    private int recentFrames = 10_000;
    private long recentBytes = 32L * 1024 * 1024;
    private int maxHeaderBytes = 8 * 1024;
    private Duration headerTimeout = Duration.ofSeconds(10);
    private Duration bodyTimeout = Duration.ofSeconds(30);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private int maxIngestConnections = 256;
    private int maxPublicConnections;
    private long maxIngestBytesInFlight = 32L * 1024 * 1024;
    private long maxHandshakeBytesInFlight = 4L * 1024 * 1024;
    private long maxBackfillBytesInFlight = 64L * 1024 * 1024;
    private Consumer<Throwable> onFatal = Health.HALT;
    private final List<java.util.function.IntConsumer> subscriberListeners = new ArrayList<>();
    private MeterRegistry meterRegistry;
    private String adminToken;

    private Builder() {}

    /**
     * The Micrometer registry to put the inverter's meters on (default: a Prometheus registry of
     * the inverter's own, with the JVM and process metrics bound to it). On an embedder's
     * registry the inverter binds only its own meters (the JVM and process binders are the
     * embedder's to bind) and removes them when it closes; {@code /metrics} and
     * {@link Inverter#metricsText()} render it if it is, or contains, a Prometheus registry, and
     * answer 404 (throw) otherwise.
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry);
      return this;
    }

    /**
     * The bearer token of the admin routes on the ingest listener ({@code /admin/...}: list and
     * disconnect subscribers, list upstreams, show the log), 16+ characters, separate from the
     * ingest tokens (an ingest token does not open them). Without one the admin routes answer 404.
     */
    public Builder adminToken(String token) {
      this.adminToken = Objects.requireNonNull(token);
      return this;
    }

    /**
     * Called with the number of connected subscribers whenever it changes, for example to ask
     * relays to crawl again when the last one leaves (see atproto-relay-client's CrawlKeeper).
     */
    public Builder onSubscriberCountChanged(java.util.function.IntConsumer listener) {
      this.subscriberListeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /** The event log (required); the inverter closes it. */
    public Builder log(EventLog log) {
      this.log = Objects.requireNonNull(log);
      return this;
    }

    /** Where relays connect (default all interfaces, port 2470; port 0 picks a free one). */
    public Builder publicAddress(InetSocketAddress address) {
      this.publicAddress = Objects.requireNonNull(address);
      return this;
    }

    /** Where PDS instances post (default 127.0.0.1:2471). */
    public Builder ingestAddress(InetSocketAddress address) {
      this.ingestAddress = Objects.requireNonNull(address);
      return this;
    }

    /** Run no ingest listener: events arrive only through {@link Inverter#publish}. */
    public Builder inProcessIngestOnly() {
      this.ingestAddress = null;
      return this;
    }

    /** Bearer tokens accepted on {@code POST /events} (at least one, 16+ characters, unless in-process only). */
    public Builder ingestTokens(List<String> tokens) {
      this.tokens.clear();
      this.tokens.addAll(tokens);
      return this;
    }

    /**
     * The check every event passes before it is stored (default: {@link VerifyingCheck#structural()},
     * strict commit verification without signatures; give a {@link VerifyingCheck} over a verifier
     * with a key source to check signatures too, or {@link EventCheck#NONE} to trust the posters).
     */
    public Builder check(EventCheck check) {
      this.check = Objects.requireNonNull(check);
      return this;
    }

    /** Frame size and count limits (default: the lexicon's). */
    public Builder frameLimits(FrameLimits limits) {
      this.frameLimits = Objects.requireNonNull(limits);
      return this;
    }

    /** Largest {@code POST /events} body (default 16 MiB); larger gets 413. */
    public Builder maxBodyBytes(long bytes) {
      this.maxBodyBytes = positive(bytes);
      return this;
    }

    /** Most frames in one post (default 1000). */
    public Builder maxFramesPerRequest(int frames) {
      this.maxFramesPerRequest = (int) positive(frames);
      return this;
    }

    /** Subscribers beyond this are refused (default 1000). */
    public Builder maxSubscribers(int max) {
      this.maxSubscribers = (int) positive(max);
      return this;
    }

    /**
     * Serve a cursor ahead of the log as live instead of sending {@code FutureCursor} and closing
     * (default false, as the spec says); some relays treat FutureCursor as final.
     */
    public Builder futureCursorLive(boolean live) {
      this.futureCursorLive = live;
      return this;
    }

    /** Bytes queued on one socket before sending to it pauses (default 4 MiB). */
    public Builder maxQueuedBytes(long bytes) {
      this.maxQueuedBytes = positive(bytes);
      return this;
    }

    /** A subscriber more than {@code events} behind for longer than {@code time} is dropped (default 100,000 for 60 s). */
    public Builder slowConsumer(long events, Duration time) {
      this.maxLagEvents = positive(events);
      this.maxLagTime = Objects.requireNonNull(time);
      return this;
    }

    /** A socket that does not drain for this long is dropped (default 30 s). */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** WebSocket ping interval (default 30 s). */
    public Builder pingInterval(Duration interval) {
      this.pingInterval = Objects.requireNonNull(interval);
      return this;
    }

    /** How long {@link Inverter#close()} waits for in-flight work (default 5 s). */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /**
     * How long a {@code #commit} whose predecessor has not arrived yet (it is in flight from
     * another PDS instance) is held before it goes on without it and a chain gap is counted
     * (default 3 s). A commit in order never waits.
     */
    public Builder reorderWait(Duration wait) {
      if (wait.isNegative()) {
        throw new IllegalArgumentException("reorder wait must not be negative: " + wait);
      }
      this.reorderWait = wait;
      return this;
    }

    /**
     * Pull mode: follow this PDS instance's own firehose and store every event it emits, as if it
     * had posted them (repeatable; push and pull work together). Give the instance's internal
     * address, behind the load balancer: {@code ws://pds-1:3000}, {@code http://pds-1:3000} or a
     * full {@code .../xrpc/com.atproto.sync.subscribeRepos} URL ({@code https} and {@code wss}
     * too). The upstream's cursor is stored in the log with the events, so a restart resumes
     * right after them; the first start takes the upstream's whole backfill window.
     */
    public Builder upstream(URI endpoint) {
      URI e = subscribeReposUrl(endpoint);
      if (!upstreams.contains(e)) {
        upstreams.add(e);
      }
      return this;
    }

    /** The first reconnect delay for upstreams (doubling with jitter, up to a minute; default 500 ms). */
    public Builder upstreamBackoff(Duration first) {
      if (first.isNegative() || first.isZero()) {
        throw new IllegalArgumentException("backoff must be positive: " + first);
      }
      this.upstreamBackoff = first;
      return this;
    }

    /** Events kept encoded in memory for live subscribers (default 10,000). */
    public Builder recentFrames(int events) {
      this.recentFrames = (int) positive(events);
      return this;
    }

    /** The most bytes the events kept in memory for live subscribers may hold (default 32 MiB). */
    public Builder recentBytes(long bytes) {
      this.recentBytes = positive(bytes);
      return this;
    }

    /**
     * Longest request line, and most bytes of request headers, on either listener (default 8 KiB);
     * longer is answered 414 or 431 and the connection closed.
     */
    public Builder maxHeaderBytes(int bytes) {
      this.maxHeaderBytes = (int) positive(bytes);
      return this;
    }

    /**
     * How long a request head may take (default 10 s): on the ingest listener from a request's
     * first byte to the end of its headers, on the public listener from accept to the end of the
     * WebSocket handshake. Later is answered 408 and the connection closed.
     */
    public Builder headerTimeout(Duration timeout) {
      this.headerTimeout = positive(timeout);
      return this;
    }

    /** How long a {@code POST /events} body may take to arrive after its headers (default 30 s); later is 408. */
    public Builder bodyTimeout(Duration timeout) {
      this.bodyTimeout = positive(timeout);
      return this;
    }

    /** How long an ingest connection may stay open without a request (default 60 s). */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout);
      return this;
    }

    /** Most open connections on the ingest listener (default 256); more are answered 503 and closed. */
    public Builder maxIngestConnections(int max) {
      this.maxIngestConnections = (int) positive(max);
      return this;
    }

    /**
     * Most open connections on the public listener, subscribers and handshakes together (default
     * {@code maxSubscribers + 128}); more are answered 503 and closed without being read.
     */
    public Builder maxPublicConnections(int max) {
      this.maxPublicConnections = (int) positive(max);
      return this;
    }

    /**
     * Most bytes of request bodies the ingest listener holds at once, being received, decoded or
     * stored (default 32 MiB, at least {@code maxBodyBytes}). A post that does not fit waits for
     * room, up to the body timeout, then is answered 503. The heap the ingest path needs is a
     * multiple of this (decoded frames, the events handed to the log: about 6x in the worst case,
     * bodies of 2 MB frames), not of what peers send.
     */
    public Builder maxIngestBytesInFlight(long bytes) {
      this.maxIngestBytesInFlight = positive(bytes);
      return this;
    }

    /** Most handshake bytes the public listener holds at once (default 4 MiB); beyond it a handshake gets 503. */
    public Builder maxHandshakeBytesInFlight(long bytes) {
      this.maxHandshakeBytesInFlight = positive(bytes);
      return this;
    }

    /**
     * Most bytes of frames read from the log for subscribers behind the in-memory window and not
     * yet written to their sockets, all of them together (default 64 MiB); backfill pauses at it.
     */
    public Builder maxBackfillBytesInFlight(long bytes) {
      this.maxBackfillBytesInFlight = positive(bytes);
      return this;
    }

    /**
     * What to do when a worker dies (an {@link Error}, such as {@link OutOfMemoryError}, in any
     * worker thread, or a worker thread gone): called once, after liveness and readiness turned
     * false. The default halts the JVM with status 70, so that its supervisor restarts it instead
     * of keeping a process that answers but no longer delivers. An embedder that supervises
     * itself may pass its own handler (it must still replace the inverter).
     */
    public Builder onFatalError(Consumer<Throwable> handler) {
      this.onFatal = Objects.requireNonNull(handler);
      return this;
    }

    /** Builds an inverter; {@link Inverter#start()} binds it. */
    public Inverter build() {
      if (log == null) {
        throw new IllegalStateException("an event log is required");
      }
      if (maxBodyBytes > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("maxBodyBytes must be below 2 GiB");
      }
      if (ingestAddress != null && maxIngestBytesInFlight < maxBodyBytes) {
        throw new IllegalArgumentException("maxIngestBytesInFlight (" + maxIngestBytesInFlight
            + ") must be at least maxBodyBytes (" + maxBodyBytes + ")");
      }
      if (ingestAddress != null) {
        new TokenSet(tokens);
      }
      if (adminToken != null) {
        if (ingestAddress == null) {
          throw new IllegalStateException("the admin routes are on the ingest listener: an admin token needs one");
        }
        new TokenSet(List.of(adminToken), "admin");
        if (tokens.contains(adminToken)) {
          throw new IllegalArgumentException("the admin token must differ from every ingest token");
        }
      }
      return new Inverter(this);
    }

    /** An upstream given as ws(s):// or http(s)://, with or without the endpoint's path, as its subscribeRepos URL. */
    static URI subscribeReposUrl(URI u) {
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
      String ws;
      switch (scheme) {
        case "ws":
        case "http":
          ws = "ws";
          break;
        case "wss":
        case "https":
          ws = "wss";
          break;
        default:
          throw new IllegalArgumentException("an upstream is a ws://, wss://, http:// or https:// URL: " + u);
      }
      if (u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null) {
        throw new IllegalArgumentException("an upstream needs a host and no query or fragment: " + u);
      }
      String path = u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/")
          ? "/xrpc/com.atproto.sync.subscribeRepos" : u.getRawPath();
      if (!path.endsWith("/xrpc/com.atproto.sync.subscribeRepos")) {
        throw new IllegalArgumentException("an upstream's path must be empty or /xrpc/com.atproto.sync.subscribeRepos: "
            + u);
      }
      return URI.create(ws + "://" + u.getRawAuthority() + path);
    }

    private static long positive(long v) {
      if (v <= 0) {
        throw new IllegalArgumentException("must be positive: " + v);
      }
      return v;
    }

    private static Duration positive(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("must be positive: " + d);
      }
      return d;
    }
  }
}
