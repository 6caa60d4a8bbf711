package dev.atsync.inverter;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.FrameLimits;
import dev.atsync.firehose.StreamEvent;
import dev.atsync.inverter.internal.Fanout;
import dev.atsync.inverter.internal.IngestPipeline;
import dev.atsync.inverter.internal.IngestServer;
import dev.atsync.inverter.internal.Metrics;
import dev.atsync.inverter.internal.StreamServer;
import dev.atsync.inverter.internal.SubscriberSettings;
import dev.atsync.inverter.internal.TokenSet;
import dev.atsync.inverter.internal.UpstreamFollower;
import dev.atsync.inverter.log.EventLog;
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
 * <p>The inverter owns the log it is given and closes it. Thread-safe.
 */
public final class Inverter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Inverter.class);

  private final Config config;
  private final EventLog log;
  private final Metrics metrics = new Metrics();
  private final IngestPipeline pipeline;
  private final Fanout fanout;
  private final StreamServer streamServer;
  private IngestServer ingestServer;
  private final List<UpstreamFollower> followers = new ArrayList<>();
  private volatile boolean started;
  private volatile boolean closed;

  /** What the builder said, copied at {@link Builder#build()}: later changes to the builder do not reach here. */
  private record Config(InetSocketAddress ingestAddress, List<String> tokens, long maxBodyBytes,
      Duration drainTimeout) {}

  private Inverter(Builder b) {
    this.config = new Config(b.ingestAddress, List.copyOf(b.tokens), b.maxBodyBytes, b.drainTimeout);
    this.log = Objects.requireNonNull(b.log, "log");
    this.pipeline = new IngestPipeline(log, b.frameLimits, b.maxFramesPerRequest, b.check, b.reorderWait, metrics);
    SubscriberSettings s = new SubscriberSettings(b.maxSubscribers, b.futureCursorLive, b.maxQueuedBytes,
        b.maxLagEvents, b.maxLagTime, b.writeTimeout, b.pingInterval, b.recentFrames);
    this.fanout = new Fanout(log, s, metrics);
    this.streamServer = new StreamServer(b.publicAddress, log, fanout, s);
    for (java.util.function.IntConsumer l : List.copyOf(b.subscriberListeners)) {
      fanout.onCountChanged(l);
    }
    for (URI upstream : List.copyOf(b.upstreams)) {
      followers.add(new UpstreamFollower(upstream, pipeline, log, metrics, b.upstreamBackoff));
    }
    metrics.gauge("atsync_inverter_last_seq", "Highest seq assigned", log::lastSeq);
    metrics.gauge("atsync_inverter_oldest_seq", "Oldest seq in the backfill window", log::oldestSeq);
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
    streamServer.startAndWait();
    if (config.ingestAddress() != null) {
      try {
        ingestServer = new IngestServer(config.ingestAddress(), pipeline, new TokenSet(config.tokens()),
            config.maxBodyBytes(), metrics, this::health);
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("ingest listener failed to bind " + config.ingestAddress(), e);
      }
      ingestServer.start();
    }
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

  /** The Prometheus text exposition of the inverter's metrics (also served at {@code /metrics}). */
  public String metricsText() {
    return metrics.scrape();
  }

  /** How each upstream is followed (pull mode), in the order they were configured. */
  public List<UpstreamStatus> upstreams() {
    List<UpstreamStatus> out = new ArrayList<>(followers.size());
    for (UpstreamFollower f : followers) {
      out.add(f.status());
    }
    return out;
  }

  private Map<String, Object> health() {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("lastSeq", log.lastSeq());
    h.put("subscribers", fanout.size());
    if (!followers.isEmpty()) {
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
      h.put("upstreams", ups);
    }
    return h;
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
    LOG.info("inverter stopped at seq {}", log.lastSeq());
  }

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
    private final List<java.util.function.IntConsumer> subscriberListeners = new ArrayList<>();

    private Builder() {}

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

    /** Builds an inverter; {@link Inverter#start()} binds it. */
    public Inverter build() {
      if (log == null) {
        throw new IllegalStateException("an event log is required");
      }
      if (ingestAddress != null) {
        new TokenSet(tokens);
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
  }
}
