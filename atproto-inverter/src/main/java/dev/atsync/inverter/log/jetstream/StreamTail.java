package dev.atsync.inverter.log.jetstream;

import dev.atsync.inverter.log.EventStore.Head;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's view of the stream: an ordered push consumer over the whole stream that keeps the
 * newest {@link JetStreamSettings#recentWindow()} events in memory (for reads and for finding
 * retried frames by message id), tracks the last and oldest seq, tells the {@link HeadCache} about
 * every account head it passes (before the listeners, so a listener that looks up a head sees it),
 * and tells the append listeners about events other nodes appended.
 *
 * <p>A watchdog keeps the view moving when the consumer does not: jnats recreates an ordered
 * consumer after missed heartbeats, but when the server holding it dies during an election the
 * recreation can fail for good. Every {@value #WATCH_MILLIS} ms the watchdog reads the stream's
 * state (its last seq, so the last seq and the listeners advance regardless and readers fall back
 * to direct gets; its oldest seq, so {@link #oldestSeq()} needs no request) and, when the
 * consumer has stood still behind the stream for {@value #TAIL_STALL_MILLIS} ms, subscribes anew
 * from the next seq it has not seen.
 */
final class StreamTail implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamTail.class);
  static final long WATCH_MILLIS = 500;
  static final long TAIL_STALL_MILLIS = 5_000;

  private final JetStream js;
  private final JetStreamManagement jsm;
  private final JetStreamSettings settings;
  private final String node;
  private final Dispatcher dispatcher;
  private final ConcurrentNavigableMap<Long, LoggedEvent> recent = new ConcurrentSkipListMap<>();
  private final Map<String, Long> byDigest = new ConcurrentHashMap<>();
  private final ConcurrentNavigableMap<Long, String> digestBySeq = new ConcurrentSkipListMap<>();
  private final AtomicLong tailSeq = new AtomicLong();
  private final AtomicLong lastSeq = new AtomicLong();
  private final AtomicLong notifiedSeq = new AtomicLong();
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService watchdog;
  private final io.nats.client.Connection connection;
  private final HeadCache heads;
  private volatile JetStreamSubscription subscription;
  /** The consumer stood still behind the stream for a whole watch period: cached heads may be old. */
  private volatile boolean lagging;
  private volatile long oldestSeq;
  /** Why the stream cannot be reached now ({@code null}: the last look at it worked). */
  private volatile String problem;
  private volatile String failed;
  private io.nats.client.Connection.Status lastStatus = io.nats.client.Connection.Status.CONNECTED;
  private volatile boolean closed;
  private long seenSeq;
  private long seenAt;

  /** Starts tailing from the newest {@code recentWindow} events of a stream in {@code state}. */
  StreamTail(io.nats.client.Connection connection, JetStream js, JetStreamManagement jsm, JetStreamSettings settings,
      String node, StreamState state, HeadCache heads) throws IOException, JetStreamApiException {
    this.js = js;
    this.heads = heads;
    this.jsm = jsm;
    this.settings = settings;
    this.node = node;
    this.connection = connection;
    lastSeq.set(state.getLastSequence());
    notifiedSeq.set(state.getLastSequence());
    oldestSeq = state.getMsgCount() == 0 ? state.getLastSequence() + 1 : state.getFirstSequence();
    long start = Math.max(state.getFirstSequence(), state.getLastSequence() - settings.recentWindow() + 1);
    dispatcher = connection.createDispatcher();
    subscription = subscribe(start);
    seenSeq = tailSeq.get();
    seenAt = System.nanoTime();
    watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "atsync-jetstream-watchdog");
      t.setDaemon(true);
      return t;
    });
    watchdog.scheduleWithFixedDelay(this::watch, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
  }

  private JetStreamSubscription subscribe(long fromSeq) throws IOException, JetStreamApiException {
    ConsumerConfiguration cc = ConsumerConfiguration.builder()
        .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(Math.max(1, fromSeq)).build();
    return js.subscribe(settings.subjectPrefix() + ".>", dispatcher, this::onMessage, false,
        PushSubscribeOptions.builder().stream(settings.streamName()).ordered(true).configuration(cc).build());
  }

  private void watch() {
    try {
      watchOnce();
    } catch (RuntimeException e) {
      LOG.warn("stream watchdog failed (retrying): {}", e.toString());
    } catch (Error e) {
      // a scheduled task that throws is never run again: say so, for readiness and liveness
      failed = "the stream watchdog died: " + e;
      LOG.error("stream watchdog died", e);
      throw e;
    }
  }

  private void watchOnce() {
    if (closed) {
      return;
    }
    io.nats.client.Connection.Status cs = connection.getStatus();
    boolean up = cs == io.nats.client.Connection.Status.CONNECTED;
    if (up != (lastStatus == io.nats.client.Connection.Status.CONNECTED)) {
      if (up) {
        LOG.info("NATS connection to {} is back", connection.getConnectedUrl());
      } else {
        LOG.warn("NATS connection is {}: appends are refused until it is back", cs);
      }
      lastStatus = cs;
    }
    OptionalLong last = refresh();
    if (last.isEmpty()) {
      return;
    }
    long serverLast = last.getAsLong();
    notifyUpTo(serverLast);
    long now = System.nanoTime();
    long seen = tailSeq.get();
    if (seen >= serverLast || seen != seenSeq) {
      lagging = false;
      seenSeq = seen;
      seenAt = now;
      return;
    }
    lagging = true; // behind the stream and not moving: other nodes' heads are not reaching the cache
    if (now - seenAt < TAIL_STALL_MILLIS * 1_000_000L) {
      return;
    }
    seenAt = now;
    LOG.warn("tail of stream {} stalled at seq {} (stream at {}); subscribing again", settings.streamName(), seen,
        serverLast);
    unsubscribeQuietly();
    try {
      subscription = subscribe(seen + 1);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("re-subscribing the tail of stream {} failed (retrying): {}", settings.streamName(), e.toString());
    }
  }

  /**
   * Reads the stream's state once and refreshes both the last seq and the oldest seq from it;
   * empty (the cached values stand) when the server does not answer.
   */
  OptionalLong refresh() {
    StreamState s;
    try {
      s = jsm.getStreamInfo(settings.streamName()).getStreamState();
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      String p = e.toString();
      if (problem == null && !closed) {
        LOG.warn("stream {} cannot be reached (appends are refused until it can): {}", settings.streamName(), p);
      }
      problem = p;
      return OptionalLong.empty();
    }
    if (problem != null) {
      LOG.info("stream {} is reachable again", settings.streamName());
      problem = null;
    }
    oldestSeq = s.getMsgCount() == 0 ? s.getLastSequence() + 1 : s.getFirstSequence();
    advanceLast(s.getLastSequence());
    recent.headMap(oldestSeq).clear();
    return OptionalLong.of(s.getLastSequence());
  }

  private void unsubscribeQuietly() {
    JetStreamSubscription sub = subscription;
    if (sub == null) {
      return;
    }
    try {
      dispatcher.unsubscribe(sub);
    } catch (RuntimeException e) {
      LOG.debug("tail subscription was already gone: {}", e.toString());
    }
  }

  private void onMessage(Message msg) {
    try {
      long seq = msg.metaData().streamSequence();
      if (seq <= tailSeq.get()) {
        return; // a re-subscribed tail overlapping the old one
      }
      Headers h = msg.getHeaders();
      String did = h == null ? null : h.getFirst(MessageHeaders.DID);
      String type = h == null ? null : h.getFirst(MessageHeaders.TYPE);
      if (did == null || type == null || !Did.isValid(did)) {
        LOG.warn("stream {} seq {} has no atsync headers; ignored", settings.streamName(), seq);
        tailSeq.accumulateAndGet(seq, Math::max); // seen: the watchdog must not think the tail stalled
        advanceLast(seq);
        return;
      }
      ZonedDateTime t = msg.metaData().timestamp();
      recent.put(seq, new LoggedEvent(seq, Did.parse(did), type, msg.getData(),
          t == null ? System.currentTimeMillis() : t.toInstant().toEpochMilli()));
      String id = h.getFirst(MessageHeaders.MSG_ID);
      if (id != null) {
        byDigest.put(id, seq);
        digestBySeq.put(seq, id);
      }
      String rev = h.getFirst(MessageHeaders.REV);
      if (rev != null && Tid.isValid(rev)) {
        heads.stored(Did.parse(did), new Head(seq, Tid.parse(rev), MessageHeaders.digest(id)));
      }
      while (recent.size() > settings.recentWindow()) {
        recent.pollFirstEntry();
      }
      while (digestBySeq.size() > settings.recentWindow()) {
        Map.Entry<Long, String> old = digestBySeq.pollFirstEntry();
        if (old != null) {
          byDigest.remove(old.getValue(), old.getKey());
        }
      }
      tailSeq.accumulateAndGet(seq, Math::max);
      advanceLast(seq);
      if (!node.equals(h.getFirst(MessageHeaders.NODE))) {
        notifyUpTo(seq);
      }
    } catch (RuntimeException e) {
      LOG.warn("tailing stream {} failed on a message", settings.streamName(), e);
    }
  }

  /**
   * Whether the consumer was behind the stream and did not move for a whole watch period (it is
   * being re-subscribed): then the heads it feeds may be old, and lookups go to the server.
   */
  boolean lagging() {
    return lagging;
  }

  /** Why the stream cannot be reached now, or {@code null}. */
  String problem() {
    return problem;
  }

  /** Why the tail stopped for good, or {@code null}. */
  String failed() {
    return failed;
  }

  /** The events held in memory, by seq. */
  ConcurrentNavigableMap<Long, LoggedEvent> recent() {
    return recent;
  }

  /** The seq of a tailed frame with this message id (hex digest), if it is still in the window. */
  Long seqOf(String messageId) {
    return byDigest.get(messageId);
  }

  /** The newest seq the consumer delivered. */
  long tailedSeq() {
    return tailSeq.get();
  }

  /** Waits until the consumer has delivered {@code seq}, or the deadline ({@link System#nanoTime()}) passed. */
  void awaitTailed(long seq, long deadlineNanos) {
    while (tailSeq.get() < seq && System.nanoTime() < deadlineNanos && !closed) {
      try {
        Thread.sleep(2);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  long lastSeq() {
    return lastSeq.get();
  }

  long oldestSeq() {
    return Math.min(oldestSeq, lastSeq() + 1);
  }

  void advanceLast(long seq) {
    lastSeq.accumulateAndGet(seq, Math::max);
  }

  /** Tells the listeners about every seq up to {@code seq}, once. */
  void notifyUpTo(long seq) {
    long prev = notifiedSeq.getAndAccumulate(seq, Math::max);
    if (seq > prev) {
      for (LongConsumer l : listeners) {
        try {
          l.accept(seq);
        } catch (RuntimeException ex) {
          LOG.warn("append listener failed", ex);
        }
      }
    }
  }

  void addListener(LongConsumer listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {
    closed = true;
    watchdog.shutdownNow();
    unsubscribeQuietly();
  }
}
