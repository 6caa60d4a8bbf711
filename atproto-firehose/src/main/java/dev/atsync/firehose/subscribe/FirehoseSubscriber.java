package dev.atsync.firehose.subscribe;

import dev.atsync.firehose.CollectionFilter;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InfoEvent;
import dev.atsync.firehose.InvalidFrameException;
import dev.atsync.firehose.StreamError;
import dev.atsync.firehose.internal.UserAgents;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.handshake.ServerHandshake;
import org.java_websocket.protocols.Protocol;
import org.slf4j.Logger;

/**
 * Subscribes to a {@code com.atproto.sync.subscribeRepos} endpoint ({@code ws://} or
 * {@code wss://}) and feeds frames to a {@link FrameHandler}.
 *
 * <pre>{@code
 * try (FirehoseSubscriber sub = FirehoseSubscriber.builder(URI.create("wss://bsky.network/xrpc/com.atproto.sync.subscribeRepos"))
 *     .cursor(store.load())                       // resume after the last persisted seq
 *     .onCursor(store::save)                      // the processed cursor, as it advances
 *     .collections(CollectionFilter.of("app.bsky.feed.post"))
 *     .handler(frame -> verifier.verify(frame))
 *     .build()) {
 *   sub.run();                                    // until closed or stopped on FutureCursor
 * }
 * }</pre>
 *
 * <p><b>Backpressure.</b> At most {@code maxInFlight} frames are received but not yet processed.
 * When that bound is reached, the Java-WebSocket reader thread blocks inside {@code onMessage};
 * it then stops reading the TCP socket, the kernel receive buffer fills, and the server's sends
 * stall, so memory stays bounded and the server sees a slow consumer.
 *
 * <p><b>Ordering.</b> Frames for one DID go to one of {@code lanes} worker threads (by DID hash)
 * and are processed in arrival order; frames without a DID use lane 0. The cursor
 * ({@link #processedSeq()}) advances to seq S only when all frames with seq &lt;= S are done, and
 * each advance is passed to the {@linkplain Builder#onCursor cursor callback}. Before
 * reconnecting the subscriber waits for in-flight frames to finish, then resumes from that
 * cursor, so nothing is skipped or processed twice; a frame whose seq is not above the last
 * dispatched seq is dropped and reported to {@link SubscriberListener#onStaleSeq}.
 *
 * <p><b>Errors.</b> Connection problems, undecodable frames and handler failures go to the
 * {@link SubscriberListener}, which logs them through SLF4J unless it overrides the method.
 */
public final class FirehoseSubscriber implements AutoCloseable {
  private static final Logger LOG = SubscriberLog.LOG;

  private final URI endpoint;
  private final FrameHandler handler;
  private final SubscriberListener listener;
  private final int maxFrameBytes;
  private final int maxInFlight;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final FutureCursorPolicy futureCursorPolicy;
  private final LongConsumer onCursor;
  private final CollectionFilter collections;
  private final java.util.Map<String, String> headers;
  private final Object cursorLock = new Object();
  private long lastReportedCursor;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final Semaphore inFlight;
  private final ExecutorService[] lanes;
  private final ScheduledExecutorService reconnector;
  private final Watermark watermark;
  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicLong lastDispatched;
  private volatile boolean live;
  /** Set when the server answered FutureCursor and is followed live: its first frame re-bases the cursor. */
  private volatile boolean rebase;
  /** Set when the server answered FutureCursor under {@link FutureCursorPolicy#FROM_START}. */
  private volatile boolean fromStart;
  private volatile boolean stopping;
  private volatile Client current;
  private int failures;

  private FirehoseSubscriber(Builder b) {
    this.endpoint = b.endpoint;
    this.handler = b.handler;
    this.listener = b.listener;
    this.maxFrameBytes = b.maxFrameBytes;
    this.maxInFlight = b.maxInFlight;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.futureCursorPolicy = b.futureCursorPolicy;
    this.onCursor = b.onCursor;
    this.collections = b.collections;
    this.headers = b.userAgent == null ? java.util.Map.of() : java.util.Map.of("User-Agent", b.userAgent);
    this.lastReportedCursor = Math.max(b.cursor, 0);
    this.inFlight = new Semaphore(b.maxInFlight);
    this.lanes = new ExecutorService[b.lanes];
    for (int i = 0; i < lanes.length; i++) {
      int n = i;
      lanes[i] = Executors.newSingleThreadExecutor(r -> daemon(r, "firehose-lane-" + n));
    }
    this.reconnector = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "firehose-reconnect"));
    this.live = b.cursor < 0;
    this.watermark = new Watermark(Math.max(b.cursor, 0));
    this.lastDispatched = new AtomicLong(Math.max(b.cursor, 0));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Starts configuring a subscriber.
   *
   * @param endpoint the full subscribeRepos URL, e.g. {@code wss://host/xrpc/com.atproto.sync.subscribeRepos}
   * @return a builder
   * @throws IllegalArgumentException if the URL is not {@code ws://} or {@code wss://}
   */
  public static Builder builder(URI endpoint) {
    return new Builder(endpoint);
  }

  /** Starts connecting. Returns immediately; see {@link #run()} to block instead. */
  public void start() {
    reconnector.execute(this::connect);
  }

  /**
   * Starts connecting and blocks until the subscriber stops: {@link #close()} from another thread,
   * or a {@code FutureCursor} error under {@link FutureCursorPolicy#STOP}.
   *
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  public void run() throws InterruptedException {
    start();
    terminated.await();
  }

  /**
   * Waits for the subscriber to stop (closed, or stopped on {@code FutureCursor} with its
   * in-flight frames processed).
   *
   * @param timeout the longest wait
   * @return whether it stopped within the timeout
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void connect() {
    if (stopping) {
      return;
    }
    long cursor = live ? -1 : fromStart ? 0 : watermark.processed();
    String sep = endpoint.getRawQuery() == null ? "?" : "&";
    URI uri = cursor < 0 ? endpoint : URI.create(endpoint + sep + "cursor=" + cursor);
    Client c = new Client(uri, cursor);
    current = c;
    c.setConnectionLostTimeout(60);
    c.connect();
  }

  private void scheduleReconnect() {
    if (stopping) {
      return;
    }
    reconnects.incrementAndGet();
    long base = initialBackoff.toMillis() << Math.min(failures++, 20);
    long delay = Math.min(base, maxBackoff.toMillis());
    long jittered = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    reconnector.schedule(() -> {
      drain();
      connect();
    }, jittered, TimeUnit.MILLISECONDS);
  }

  /** Waits until every received frame is processed, so the resume cursor is exact. */
  private void drain() {
    try {
      inFlight.acquire(maxInFlight);
      inFlight.release(maxInFlight);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void onFrame(ByteBuffer data) {
    int len = data.remaining();
    bytes.addAndGet(len);
    if (len > maxFrameBytes) {
      listener.onError("frame of " + len + " bytes exceeds limit " + maxFrameBytes, null);
      return;
    }
    byte[] raw = new byte[len];
    data.get(raw);
    Frame frame;
    try {
      frame = Frame.decode(raw);
    } catch (RuntimeException e) {
      listener.onError("undecodable frame: " + e.getMessage(), e);
      return;
    }
    frames.incrementAndGet();
    if (frame.isError()) {
      onStreamError(frame);
      return;
    }
    if (frame.type().filter("#info"::equals).isPresent()) {
      try {
        listener.onInfo((InfoEvent) frame.event());
      } catch (RuntimeException e) {
        listener.onError("malformed #info frame: " + e.getMessage(), e);
      }
      return;
    }
    long seq = frame.seq().orElse(-1);
    if (seq >= 0 && (live || fromStart)) {
      startFrom(seq);
    }
    long last = lastDispatched.get();
    if (seq >= 0 && seq <= last) {
      listener.onStaleSeq(frame, last);
      return;
    }
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (seq >= 0) {
      lastDispatched.set(seq);
      watermark.dispatched(seq);
    }
    int lane = frame.did().map(d -> Math.floorMod(d.hashCode(), lanes.length)).orElse(0);
    lanes[lane].execute(() -> {
      try {
        if (wanted(frame)) {
          handler.handle(frame);
        }
      } catch (Exception e) {
        listener.onError("handler failed on seq " + seq + ": " + e.getMessage(), e);
      } finally {
        if (seq >= 0 && watermark.completed(seq) >= 0 && onCursor != null) {
          reportCursor();
        }
        inFlight.release();
      }
    });
  }

  /**
   * The first frame of a live connection, or of the reconnection from the start after
   * {@code FutureCursor}: from now on a reconnect resumes after the processed cursor instead of
   * going live (or to the start) again. After {@code FutureCursor} the server's sequence is not
   * ours (it restarted with a lower counter): the cursor starts over just before this frame. Runs on the reader thread, with nothing in flight
   * (a reconnect waits for that).
   */
  private void startFrom(long seq) {
    live = false;
    fromStart = false;
    if (rebase) {
      rebase = false;
      long last = lastDispatched.getAndSet(seq - 1);
      watermark.reset(seq - 1);
      synchronized (cursorLock) {
        lastReportedCursor = seq - 1;
      }
      LOG.info("{}: the server's sequence restarted (FutureCursor for {}); following it from seq {}", endpoint,
          last, seq);
    }
  }

  /**
   * Whether the collection filter lets the frame through: only {@code #commit}s with no wanted op
   * are skipped (decoded here, on the lane, and cached in the frame for the handler); a commit
   * that does not decode goes to the handler, which reports it.
   */
  private boolean wanted(Frame frame) {
    if (collections == null || !frame.type().filter("#commit"::equals).isPresent()) {
      return true;
    }
    try {
      return !(frame.event() instanceof CommitEvent c) || collections.matches(c);
    } catch (InvalidFrameException e) {
      return true;
    }
  }

  /** Passes the processed cursor to the callback, each value once and in increasing order. */
  private void reportCursor() {
    synchronized (cursorLock) {
      long p = watermark.processed();
      if (p <= lastReportedCursor) {
        return;
      }
      lastReportedCursor = p;
      try {
        onCursor.accept(p);
      } catch (RuntimeException e) {
        listener.onError("cursor callback failed on seq " + p + ": " + e.getMessage(), e);
      }
    }
  }

  private void onStreamError(Frame frame) {
    StreamError err;
    try {
      err = frame.error();
    } catch (RuntimeException e) {
      listener.onError("malformed error frame: " + e.getMessage(), e);
      return;
    }
    listener.onStreamError(err);
    if ("FutureCursor".equals(err.error())) {
      if (futureCursorPolicy == FutureCursorPolicy.STOP) {
        stopping = true;
        // terminated once what was already dispatched is processed
        reconnector.execute(() -> {
          drain();
          terminated.countDown();
        });
      } else {
        live = futureCursorPolicy == FutureCursorPolicy.GO_LIVE;
        fromStart = futureCursorPolicy == FutureCursorPolicy.FROM_START;
        rebase = true;
      }
    }
    // The server closes after an error frame; ConsumerTooSlow and others reconnect from the
    // processed cursor via the normal close path.
  }

  /** @return frames received (including error and info frames, excluding oversize ones) */
  public long frames() {
    return frames.get();
  }

  /** @return bytes received */
  public long bytes() {
    return bytes.get();
  }

  /** @return reconnect attempts scheduled */
  public long reconnects() {
    return reconnects.get();
  }

  /** @return frames received but not yet processed */
  public int queueDepth() {
    return maxInFlight - inFlight.availablePermits();
  }

  /** @return the highest seq S with all frames &lt;= S processed: the resume cursor */
  public long processedSeq() {
    return watermark.processed();
  }

  /** @return the highest seq handed to the handler */
  public long lastReceivedSeq() {
    return lastDispatched.get();
  }

  /** @return whether the subscriber has stopped (closed, or stopped on FutureCursor) */
  public boolean isStopped() {
    return stopping;
  }

  /** Closes the connection, lets queued frames finish (up to 10 s), and stops all threads. */
  @Override
  public void close() {
    stopping = true;
    Client c = current;
    if (c != null) {
      c.close();
    }
    reconnector.shutdownNow();
    for (ExecutorService lane : lanes) {
      lane.shutdown();
    }
    try {
      for (ExecutorService lane : lanes) {
        lane.awaitTermination(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      terminated.countDown();
    }
  }

  private final class Client extends WebSocketClient {
    private final long cursor;

    Client(URI uri, long cursor) {
      super(uri, new Draft_6455(Collections.emptyList(),
          Collections.singletonList(new Protocol("")), maxFrameBytes), headers);
      this.cursor = cursor;
    }

    @Override
    public void onOpen(ServerHandshake h) {
      failures = 0;
      listener.onConnected(cursor);
    }

    @Override
    public void onMessage(String message) {
      listener.onError("unexpected text message", null);
    }

    @Override
    public void onMessage(ByteBuffer data) {
      onFrame(data);
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
      if (code == 1009) {
        listener.onError("server sent a frame larger than " + maxFrameBytes + " bytes", null);
      }
      listener.onDisconnected(code, reason);
      scheduleReconnect();
    }

    @Override
    public void onError(Exception ex) {
      LOG.debug("websocket error on {}", getURI(), ex);
      listener.onError("transport error: " + ex, ex);
    }
  }

  /** Configures a {@link FirehoseSubscriber}. */
  public static final class Builder {
    private final URI endpoint;
    private FrameHandler handler = f -> {};
    private SubscriberListener listener = new SubscriberListener() {};
    private long cursor = -1;
    private int lanes = 4;
    private int maxInFlight = 1024;
    private int maxFrameBytes = 5 * 1024 * 1024;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(60);
    private FutureCursorPolicy futureCursorPolicy = FutureCursorPolicy.STOP;
    private LongConsumer onCursor;
    private CollectionFilter collections;
    private String userAgent;

    private Builder(URI endpoint) {
      String s = Objects.requireNonNull(endpoint).getScheme();
      if (!"ws".equals(s) && !"wss".equals(s)) {
        throw new IllegalArgumentException("endpoint must be ws:// or wss://: " + endpoint);
      }
      this.endpoint = endpoint;
    }

    /** @param h the per-frame handler */
    public Builder handler(FrameHandler h) {
      this.handler = Objects.requireNonNull(h);
      return this;
    }

    /** @param l connection-level notifications */
    public Builder listener(SubscriberListener l) {
      this.listener = Objects.requireNonNull(l);
      return this;
    }

    /** @param seq start after this seq (0 = from the start of the server's backfill window) */
    public Builder cursor(long seq) {
      if (seq < 0) {
        throw new IllegalArgumentException("cursor must be >= 0");
      }
      this.cursor = seq;
      return this;
    }

    /** @param n worker lanes (parallelism across DIDs) */
    public Builder lanes(int n) {
      if (n < 1 || n > 256) {
        throw new IllegalArgumentException("lanes out of range: " + n);
      }
      this.lanes = n;
      return this;
    }

    /** @param n frames received but not processed before the socket reader blocks */
    public Builder maxInFlight(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxInFlight must be positive");
      }
      this.maxInFlight = n;
      return this;
    }

    /** @param n largest accepted frame in bytes (default 5 MB) */
    public Builder maxFrameBytes(int n) {
      if (n < 16) {
        throw new IllegalArgumentException("maxFrameBytes too small");
      }
      this.maxFrameBytes = n;
      return this;
    }

    /** @param initial first reconnect delay; @param max cap on the exponential delay */
    public Builder backoff(Duration initial, Duration max) {
      if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("bad backoff");
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** @param p what to do on FutureCursor */
    public Builder onFutureCursor(FutureCursorPolicy p) {
      this.futureCursorPolicy = Objects.requireNonNull(p);
      return this;
    }

    /**
     * Calls {@code callback} with the processed cursor each time it advances (the highest seq S
     * with every frame up to S handled), in increasing order, from a worker thread; persist it
     * and pass it to {@link #cursor(long)} on restart to resume without gaps or repeats. Called
     * once per advance, so throttle in the callback if storing is expensive. An exception it
     * throws goes to {@link SubscriberListener#onError}.
     *
     * @param callback receives each new processed cursor
     * @return this builder
     */
    public Builder onCursor(LongConsumer callback) {
      this.onCursor = Objects.requireNonNull(callback);
      return this;
    }

    /**
     * Hands the handler only the {@code #commit} frames with at least one op in a wanted
     * collection ({@link CollectionFilter#matches(CommitEvent)}); other message types all pass.
     * Skipped frames still count as processed, so the cursor moves past them.
     *
     * @param filter the wanted collections
     * @return this builder
     */
    public Builder collections(CollectionFilter filter) {
      this.collections = Objects.requireNonNull(filter);
      return this;
    }

    /**
     * The {@code User-Agent} header of the WebSocket handshake (default: none, the client
     * library's own).
     *
     * @param agent the value, e.g. {@code atsync/0.1.0}
     * @return this builder
     * @throws IllegalArgumentException if it is empty, longer than 256 or not printable ASCII
     */
    public Builder userAgent(String agent) {
      this.userAgent = UserAgents.checked(agent);
      return this;
    }

    /** @return the subscriber, not yet started */
    public FirehoseSubscriber build() {
      return new FirehoseSubscriber(this);
    }
  }
}
