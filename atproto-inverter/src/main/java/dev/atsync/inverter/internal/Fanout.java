package dev.atsync.inverter.internal;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.StreamError;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.LoggedEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.framing.CloseFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves events from the log to subscribers. One thread tails the log into {@link RecentFrames}
 * (re-sequencing each event once) and then, for every subscriber, sends the events after its
 * position while its socket queue is under budget. A subscriber within the in-memory window is
 * served from memory; one further behind reads from the log. Because every subscriber is served
 * by position from the same ordered log, replay and live delivery are one path: the cut-over
 * from backfill to live has no gap and no duplicate by construction.
 *
 * <p>No subscriber can make the server buffer without bound: a full socket queue just pauses
 * that subscriber. One that stays too far behind, falls out of the backfill window, or whose
 * socket does not drain within the write timeout is sent {@code ConsumerTooSlow} and closed.
 */
public final class Fanout implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Fanout.class);
  private static final int LOG_READ_BATCH = 256;
  private static final long TICK_MILLIS = 20;

  private final EventLog log;
  private final SubscriberSettings settings;
  private final RecentFrames recent;
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  private final Thread thread;
  private final Object signal = new Object();
  private boolean signalled;
  private volatile boolean running = true;
  private volatile long tailSeq;
  private final LongAdder deliveries;
  private final LongAdder dropped;

  /** Creates the fan-out; {@link #start()} begins tailing. */
  public Fanout(EventLog log, SubscriberSettings settings, Metrics metrics) {
    this.log = log;
    this.settings = settings;
    this.recent = new RecentFrames(settings.recentFrames());
    this.thread = new Thread(this::run, "atsync-fanout");
    this.thread.setDaemon(true);
    this.deliveries = metrics.counter("atsync_inverter_deliveries_total", "Events sent to subscribers");
    this.dropped = metrics.counter("atsync_inverter_subscribers_dropped_total",
        "Subscribers closed with ConsumerTooSlow");
    metrics.gauge("atsync_inverter_subscribers", "Connected subscribers", sessions::size);
  }

  /** Starts tailing from the log's current end. */
  public void start() {
    tailSeq = log.lastSeq();
    log.addAppendListener(seq -> wake());
    thread.start();
  }

  /** The newest seq loaded from the log. */
  public long tailSeq() {
    return tailSeq;
  }

  /** Number of connected subscribers. */
  public int size() {
    return sessions.size();
  }

  void add(Session s) {
    sessions.add(s);
    countChanged();
    wake();
  }

  void remove(Session s) {
    if (sessions.remove(s)) {
      countChanged();
    }
  }

  /** Called with the new subscriber count whenever it changes. */
  public void onCountChanged(java.util.function.IntConsumer listener) {
    countListeners.add(listener);
  }

  private final java.util.List<java.util.function.IntConsumer> countListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private void countChanged() {
    int n = sessions.size();
    for (java.util.function.IntConsumer l : countListeners) {
      try {
        l.accept(n);
      } catch (RuntimeException e) {
        LOG.warn("subscriber count listener failed: {}", e.toString());
      }
    }
  }

  /** Wakes the fan-out thread: new events or a new subscriber. */
  public void wake() {
    synchronized (signal) {
      signalled = true;
      signal.notifyAll();
    }
  }

  private void run() {
    while (running) {
      try {
        synchronized (signal) {
          if (!signalled) {
            signal.wait(TICK_MILLIS);
          }
          signalled = false;
        }
        loadTail();
        long oldest = log.oldestSeq();
        for (Session s : sessions) {
          pump(s, oldest);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // a failing log read must not kill delivery for good; retry on the next tick
        LOG.warn("fan-out pass failed: {}", e.toString());
      }
    }
  }

  private void loadTail() {
    while (true) {
      List<LoggedEvent> batch = log.readAfter(tailSeq, LOG_READ_BATCH);
      for (LoggedEvent e : batch) {
        recent.add(e.seq(), RecentFrames.outgoing(e));
        tailSeq = e.seq();
      }
      if (batch.size() < LOG_READ_BATCH) {
        return;
      }
    }
  }

  private void pump(Session s, long oldest) {
    if (!s.open()) {
      if (!s.socket.isOpen()) {
        remove(s);
      }
      return;
    }
    if (s.position < oldest - 1 && s.position < tailSeq) {
      drop(s, "cursor position " + s.position + " fell out of the backfill window (oldest " + oldest + ")", false);
      return;
    }
    long now = System.nanoTime();
    long queued = s.queuedBytes();
    if (queued == 0 || queued < s.queuedBytesSeen) {
      s.drainProgressNanos = now;
    } else if (now - s.drainProgressNanos > settings.writeTimeout().toNanos()) {
      drop(s, "socket did not drain for " + settings.writeTimeout().toMillis() + " ms", true);
      return;
    }
    long budget = settings.maxQueuedBytes();
    while (s.position < tailSeq && (queued == 0 || queued < budget)) {
      if (recent.covers(s.position)) {
        Map.Entry<Long, byte[]> e = recent.higher(s.position);
        if (e == null) {
          break;
        }
        send(s, e.getValue());
        queued += e.getValue().length;
        s.position = e.getKey();
      } else {
        List<LoggedEvent> batch = log.readAfter(s.position, LOG_READ_BATCH);
        if (batch.isEmpty()) {
          break;
        }
        for (LoggedEvent e : batch) {
          if (queued != 0 && queued >= budget) {
            break;
          }
          byte[] out = RecentFrames.outgoing(e);
          send(s, out);
          queued += out.length;
          s.position = e.seq();
        }
      }
    }
    s.queuedBytesSeen = queued;
    long lag = tailSeq - s.position;
    if (lag > settings.maxLagEvents()) {
      if (s.lagSince == 0) {
        s.lagSince = now;
      } else if (now - s.lagSince > settings.maxLagTime().toNanos()) {
        drop(s, lag + " events behind for more than " + settings.maxLagTime().toSeconds() + " s", false);
      }
    } else {
      s.lagSince = 0;
    }
  }

  private void send(Session s, byte[] frame) {
    s.socket.send(frame);
    deliveries.increment();
  }

  private void drop(Session s, String why, boolean stalled) {
    if (!s.closing.compareAndSet(false, true)) {
      return;
    }
    dropped.increment();
    LOG.info("dropping subscriber {}: {}", s.remote, why);
    remove(s);
    try {
      s.socket.send(Frame.ofError(StreamError.of(StreamError.CONSUMER_TOO_SLOW, why)).bytes());
      s.socket.close(CloseFrame.POLICY_VALIDATION, "ConsumerTooSlow");
      if (stalled && s.socket instanceof WebSocketImpl impl) {
        // the peer is not reading, so the close handshake cannot complete: cut the TCP connection
        impl.closeConnection(CloseFrame.ABNORMAL_CLOSE, "ConsumerTooSlow");
      }
    } catch (RuntimeException e) {
      LOG.debug("closing {} failed: {}", s.remote, e.toString());
    }
  }

  @Override
  public void close() {
    running = false;
    wake();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
