package dev.atsync.inverter.internal;

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
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull mode for one upstream: follows a PDS instance's own {@code subscribeRepos} (on its internal
 * address, behind the load balancer) with the library's subscriber, and puts every event it emits
 * through the same pipeline as a post, with the upstream's cursor stored in the log together with
 * the events. A restart resumes right after the last event stored, so nothing is lost and nothing
 * is taken twice; the first start takes the upstream's whole backfill window (cursor 0).
 *
 * <p>An event the pipeline refuses (invalid, or older than what the log already holds) is
 * skipped and counted; while the log cannot store (a full disk, NATS down) the same event is
 * retried with backoff, so the upstream's stream waits rather than losing it. An upstream that
 * answers {@code FutureCursor} (it restarted with a lower counter) or whose seq goes backwards is
 * followed live from then on; each case is logged and counted.
 */
public final class UpstreamFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamFollower.class);
  private static final Set<String> ACCOUNT_EVENTS = Set.of("#commit", "#sync", "#identity", "#account");
  private static final Duration RETRY_MAX = Duration.ofSeconds(5);

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
    this.subscriber = FirehoseSubscriber.builder(endpoint)
        .cursor(cursor.orElse(0))
        .lanes(1) // one upstream's events in its order: the chain of each account, and the cursor
        .backoff(backoff, Duration.ofMinutes(1))
        .onFutureCursor(FutureCursorPolicy.FROM_START)
        .handler(this::take)
        .listener(new Listener())
        .build();
  }

  /** Starts following. */
  public void start() {
    LOG.info("following upstream {} from {}", name,
        lastSeq.get() < 0 ? "the start of its backfill window" : "after seq " + lastSeq.get());
    subscriber.start();
  }

  /** Takes one frame: stored, skipped, or retried until the log can store it. */
  private void take(Frame frame) throws InterruptedException {
    if (frame.type().filter(ACCOUNT_EVENTS::contains).isEmpty() || frame.seq().isEmpty()) {
      return; // not an account event (a message type this inverter does not serve)
    }
    long seq = frame.seq().getAsLong();
    long previous = lastSeq.get();
    if (previous >= 0 && seq <= previous) {
      cursorResets.increment();
      LOG.warn("upstream {} went back from seq {} to {} (restarted with a new counter?); following it from there",
          name, previous, seq);
    }
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
        break;
      } catch (IngestException e) {
        if (e.error() != IngestError.UNAVAILABLE) {
          refused.increment();
          LOG.info("upstream {} seq {}: {} refused and skipped: {}", name, seq, frame.type().orElse("?"),
              e.getMessage());
          break;
        }
        // the log cannot store now: this event waits, and so does the upstream behind it
        Thread.sleep(pause);
        pause = Math.min(pause * 2, RETRY_MAX.toMillis());
      }
    }
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
        lastSeq.set(-1);
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
        events.sum(), duplicates.sum(), refused.sum(), reconnects.sum(), cursorResets.sum(), subscriber.queueDepth(),
        at == 0 ? Optional.empty() : Optional.of(System.currentTimeMillis() - at));
  }

  /** Stops following; the frame being stored finishes first. */
  @Override
  public void close() {
    closed = true;
    subscriber.close();
  }
}
