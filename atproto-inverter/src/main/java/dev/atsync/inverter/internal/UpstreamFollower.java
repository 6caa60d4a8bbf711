package dev.atsync.inverter.internal;

import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InfoEvent;
import dev.atsync.firehose.StreamError;
import dev.atsync.firehose.ingest.IngestError;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.firehose.subscribe.FirehoseSubscriber;
import dev.atsync.firehose.subscribe.FutureCursorPolicy;
import dev.atsync.firehose.subscribe.SubscriberListener;
import dev.atsync.inverter.UpstreamStatus;
import dev.atsync.inverter.log.AppendResult;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull mode for one upstream: follows a PDS instance's own {@code subscribeRepos} (on its internal
 * address, behind the load balancer) with the library's subscriber, and puts every event it emits
 * through the same pipeline as a post, with the upstream's cursor stored in the log together with
 * the events. A restart resumes right after the last event stored, so nothing is lost and nothing
 * is taken twice; the first start takes the upstream's whole backfill window (cursor 0). Frames
 * are stored by a writer thread, as many per append as have arrived meanwhile (a backlog costs one
 * durable commit per batch, an idle stream one per event); a bounded queue between the two holds the
 * upstream back when the log is slower than it.
 *
 * <p>An event the pipeline refuses (invalid, or older than what the log already holds) is
 * skipped and counted, and the rest of its batch stored; while the log cannot store (a full disk, NATS down) the same event is
 * retried with backoff, so the upstream's stream waits rather than losing it. An upstream that
 * answers {@code FutureCursor} (it restarted with a lower counter) or whose seq goes backwards is
 * followed live from then on; each case is logged and counted.
 */
public final class UpstreamFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamFollower.class);
  private static final Set<String> ACCOUNT_EVENTS = Set.of("#commit", "#sync", "#identity", "#account");
  private static final Duration RETRY_MAX = Duration.ofSeconds(5);
  /** What an upstream's access log shows for this follower. */
  private static final String USER_AGENT = "atsync/" + BuildInfo.of(UpstreamFollower.class).version();
  /** Most frames stored in one append (one durable commit). */
  private static final int MAX_BATCH = 256;
  /** Frames taken from the upstream and not yet stored; a full queue holds the upstream back. */
  private static final int QUEUE_CAPACITY = 1024;

  private final URI endpoint;
  private final String name;
  private final IngestPipeline pipeline;
  private final EventLog log;
  private final FirehoseSubscriber subscriber;
  private final LongAdder events;
  private final LongAdder duplicates;
  private final LongAdder refused;
  private final LongAdder reconnects;
  private final LongAdder cursorResets;
  private final AtomicLong lastEventAt = new AtomicLong();
  private final AtomicLong lastSeq = new AtomicLong(-1);
  private final BlockingQueue<Frame> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final Thread writer;
  /** The last seq queued (the subscriber's lane only). */
  private volatile long lastQueued = -1;
  private volatile boolean connected;
  private volatile boolean closed;

  /**
   * @param endpoint the upstream's subscribeRepos URL ({@code ws://} or {@code wss://})
   * @param backoff first reconnect delay (doubling, with jitter, up to a minute)
   */
  public UpstreamFollower(URI endpoint, IngestPipeline pipeline, EventLog log, Metrics metrics, Duration backoff) {
    this.endpoint = endpoint;
    this.name = endpoint.toString();
    this.pipeline = pipeline;
    this.log = log;
    this.events = metrics.counter("atsync_inverter_upstream_events_total", "Events taken from an upstream and stored",
        "upstream", name);
    this.duplicates = metrics.counter("atsync_inverter_upstream_duplicates_total",
        "Events an upstream sent that were already stored", "upstream", name);
    this.refused = metrics.counter("atsync_inverter_upstream_refused_total",
        "Events from an upstream refused (invalid, or older than what was stored)", "upstream", name);
    this.reconnects = metrics.counter("atsync_inverter_upstream_reconnects_total",
        "Connections to an upstream lost and retried", "upstream", name);
    this.cursorResets = metrics.counter("atsync_inverter_upstream_cursor_resets_total",
        "Times an upstream's cursor was given up on (FutureCursor, seq going backwards) and it was followed live",
        "upstream", name);
    metrics.gauge("atsync_inverter_upstream_connected", "Whether the upstream's WebSocket is open", "upstream", name,
        () -> connected ? 1 : 0);
    metrics.gauge("atsync_inverter_upstream_seq", "The upstream seq the log has taken everything up to",
        "upstream", name, () -> lastSeq.get());
    OptionalLong cursor = log.upstreamCursor(name);
    cursor.ifPresent(lastSeq::set);
    lastQueued = lastSeq.get();
    this.writer = new Thread(this::write, "atsync-upstream-writer " + name);
    writer.setDaemon(true);
    this.subscriber = FirehoseSubscriber.builder(endpoint)
        .cursor(cursor.orElse(0))
        .lanes(1) // one upstream's events in its order: the chain of each account, and the cursor
        .backoff(backoff, Duration.ofMinutes(1))
        .onFutureCursor(FutureCursorPolicy.FROM_START)
        .userAgent(USER_AGENT)
        .handler(this::take)
        .listener(new Listener())
        .build();
  }

  /** Starts following. */
  public void start() {
    LOG.info("following upstream {} from {}", name,
        lastSeq.get() < 0 ? "the start of its backfill window" : "after seq " + lastSeq.get());
    writer.start();
    subscriber.start();
  }

  /**
   * Takes one frame from the subscriber's lane: queued for the writer, waiting while the queue is
   * full (so a log that cannot keep up, or cannot store at all, holds the upstream's stream back
   * rather than buffering without bound).
   */
  private void take(Frame frame) throws InterruptedException {
    if (frame.type().filter(ACCOUNT_EVENTS::contains).isEmpty() || frame.seq().isEmpty()) {
      return; // not an account event (a message type this inverter does not serve)
    }
    long seq = frame.seq().getAsLong();
    long previous = lastQueued;
    if (previous >= 0 && seq <= previous) {
      cursorResets.increment();
      LOG.warn("upstream {} went back from seq {} to {} (restarted with a new counter?); following it from there",
          name, previous, seq);
    }
    lastQueued = seq;
    queue.put(frame);
  }

  /**
   * The writer: stores what the subscriber queued, as many frames per append as are waiting (up to
   * {@link #MAX_BATCH}), so catching up on a backlog costs one durable commit per batch instead of
   * one per event. Runs until closed.
   */
  private void write() {
    List<Frame> batch = new ArrayList<>(MAX_BATCH);
    try {
      while (!closed) {
        Frame first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.clear();
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        for (int from = 0; from < batch.size(); ) {
          int to = chainedRun(batch, from);
          store(batch.subList(from, to));
          from = to;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.error("upstream {}: the writer stopped: {}", name, e.toString(), e);
      throw e;
    }
  }

  /**
   * The end of the longest run from {@code from} that can be stored in one append: it stops before
   * a commit that follows one of its account's events in the run without chaining to it (its
   * {@code since} is not the run's last rev of that account), since that commit's predecessor is
   * still to come from another instance and the reorder wait must hold it alone.
   */
  static int chainedRun(List<Frame> frames, int from) {
    Map<Did, Optional<Tid>> lastRev = new HashMap<>();
    int i = from;
    for (; i < frames.size(); i++) {
      Frame f = frames.get(i);
      Optional<Did> did = f.did();
      if (did.isEmpty()) {
        continue;
      }
      Optional<Tid> before = lastRev.get(did.get());
      boolean commit = f.type().filter("#commit"::equals).isPresent();
      if (before != null && commit && before.isPresent() && !since(f).equals(before)) {
        break;
      }
      if (commit || f.type().filter("#sync"::equals).isPresent()) {
        lastRev.put(did.get(), f.rev());
      } else {
        lastRev.putIfAbsent(did.get(), Optional.empty());
      }
    }
    return Math.max(i, from + 1);
  }

  private static Optional<Tid> since(Frame commit) {
    try {
      return commit.event() instanceof CommitEvent c ? c.since() : Optional.empty();
    } catch (RuntimeException malformed) {
      return Optional.empty(); // the pipeline refuses it with the reason
    }
  }

  /**
   * Stores a batch in one append; when one of its frames is refused, frame by frame so that only
   * the refused ones are skipped; while the log cannot store, retried with backoff.
   */
  private void store(List<Frame> batch) throws InterruptedException {
    long last = batch.get(batch.size() - 1).seq().getAsLong();
    long pause = 100;
    while (!closed) {
      try {
        AppendResult r = pipeline.ingest(batch, new EventStore.UpstreamPosition(name, last));
        duplicates.add(r.duplicates());
        events.add(batch.size() - r.duplicates());
        advance(last);
        return;
      } catch (IngestException e) {
        if (e.error() != IngestError.UNAVAILABLE) {
          break; // a frame of the batch is refused: find which, storing the others
        }
        Thread.sleep(pause); // the log cannot store now: the batch waits, and so does the upstream
        pause = Math.min(pause * 2, RETRY_MAX.toMillis());
      }
    }
    if (closed) {
      return;
    }
    for (Frame frame : batch) {
      storeOne(frame);
    }
  }

  /** Stores one frame: stored, skipped when refused, or retried until the log can store it. */
  private void storeOne(Frame frame) throws InterruptedException {
    long seq = frame.seq().getAsLong();
    EventStore.UpstreamPosition position = new EventStore.UpstreamPosition(name, seq);
    long pause = 100;
    while (!closed) {
      try {
        AppendResult r = pipeline.ingest(frame, position);
        if (r.duplicates() > 0) {
          duplicates.increment();
        } else {
          events.increment();
        }
        advance(seq);
        return;
      } catch (IngestException e) {
        if (e.error() != IngestError.UNAVAILABLE) {
          refused.increment();
          LOG.info("upstream {} seq {}: {} refused and skipped: {}", name, seq, frame.type().orElse("?"),
              e.getMessage());
          advance(seq);
          return;
        }
        Thread.sleep(pause);
        pause = Math.min(pause * 2, RETRY_MAX.toMillis());
      }
    }
  }

  private void advance(long seq) {
    lastSeq.set(seq);
    lastEventAt.set(System.currentTimeMillis());
  }

  private final class Listener implements SubscriberListener {
    @Override
    public void onConnected(long cursor) {
      connected = true;
      LOG.info("upstream {} connected ({})", name, cursor < 0 ? "live" : "after seq " + cursor);
    }

    @Override
    public void onDisconnected(int code, String reason) {
      if (connected) {
        LOG.info("upstream {} disconnected ({} {}); reconnecting", name, code, reason);
      }
      connected = false;
      if (!closed) {
        reconnects.increment();
      }
    }

    @Override
    public void onInfo(InfoEvent info) {
      LOG.warn("upstream {}: {} {} (events before its window are not available from it)", name, info.name(),
          info.message().orElse(""));
    }

    @Override
    public void onStreamError(StreamError error) {
      if ("FutureCursor".equals(error.error())) {
        cursorResets.increment();
        LOG.warn("upstream {} answered FutureCursor for seq {} (restarted with a lower counter?); following it from the"
            + " start of its new sequence", name, lastSeq.get());
        lastQueued = -1;
      } else {
        LOG.warn("upstream {} sent error {}: {}", name, error.error(), error.message().orElse(""));
      }
    }

    @Override
    public void onError(String what, Throwable cause) {
      LOG.debug("upstream {}: {}", name, what, cause);
    }
  }

  /** Where this upstream stands. */
  public UpstreamStatus status() {
    long seq = lastSeq.get();
    long at = lastEventAt.get();
    return new UpstreamStatus(endpoint, connected, seq < 0 ? OptionalLong.empty() : OptionalLong.of(seq),
        events.sum(), duplicates.sum(), refused.sum(), reconnects.sum(), cursorResets.sum(),
        subscriber.queueDepth() + queue.size(),
        at == 0 ? Optional.empty() : Optional.of(System.currentTimeMillis() - at));
  }

  /**
   * Stops following; the batch being stored finishes first. Frames queued and not yet stored are
   * dropped: the log's cursor for this upstream is still before them, so a restart takes them again.
   */
  @Override
  public void close() {
    closed = true;
    subscriber.close();
    try {
      writer.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
