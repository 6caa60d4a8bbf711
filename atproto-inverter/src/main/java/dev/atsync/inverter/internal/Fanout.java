package dev.atsync.inverter.internal;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.StreamError;
import dev.atsync.inverter.log.CorruptLogException;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.LoggedEvent;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves events from the log to subscribers, on two paths that never wait on each other.
 *
 * <ul>
 *   <li><b>Live.</b> One thread tails the log into {@link RecentFrames} (re-sequencing and
 *       encoding each event once) and then hands every subscriber within that in-memory window
 *       and behind the tail to its own network thread (one task per thread per pass, serving all
 *       of that thread's subscribers in turn), which queues the events after its position
 *       while its socket is under budget and flushes once: several frames per socket write, the
 *       same buffer for every subscriber, the sockets written on every core, and no log read on
 *       this path beyond the tail.
 *   <li><b>Backfill.</b> A subscriber behind the window is handed to a small pool of backfill
 *       threads, which read its events from the log in batches sized to what its socket and the
 *       listener's backfill budget can take, and hand it back to the live thread once it is inside
 *       the window. A slow or stalled backfill therefore costs its own thread time, never the live
 *       subscribers' latency.
 * </ul>
 *
 * <p>Every subscriber is served by position from the same ordered log, and exactly one path owns
 * a subscriber at a time, so the cut-over from backfill to live has no gap and no duplicate by
 * construction. No subscriber can make the server buffer without bound: a full socket queue
 * pauses that subscriber; one that stays too far behind, falls out of the backfill window, or
 * whose socket does not drain within the write timeout is sent {@code ConsumerTooSlow} and closed.
 * A subscriber whose events cannot be read because the log is corrupt is sent an error frame and
 * closed; a transient read failure is retried.
 */
public final class Fanout implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Fanout.class);
  /** The error name of the frame sent when the log cannot be read (XRPC's name for a 500). */
  static final String INTERNAL_ERROR = "InternalServerError";
  private static final int LOG_READ_BATCH = 256;
  private static final long TICK_MILLIS = 20;
  private static final long BACKFILL_PAUSE_MILLIS = 10;
  private static final long BACKFILL_RETRY_MILLIS = 500;
  private static final String SUBSCRIBER_LAG = "atsync_inverter_subscriber_lag_events";

  private final EventLog log;
  private final SubscriberSettings settings;
  private final Health health;
  private final RecentFrames recent;
  private final ByteBudget backfillBudget;
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  private final Thread thread;
  private final ScheduledThreadPoolExecutor backfill;
  private final Object signal = new Object();
  private boolean signalled;
  private volatile boolean running = true;
  private volatile long tailSeq;
  private final LongAdder deliveries;
  private final LongAdder dropped;
  private final LongAdder backfillDeliveries;
  private final List<IntConsumer> countListeners = new CopyOnWriteArrayList<>();
  /** This pass's live subscribers with events to send, by network thread (fan-out thread only). */
  private final Map<EventExecutor, List<Session>> due = new IdentityHashMap<>();
  private final Metrics metrics;
  private final DeliveryClock deliveryClock;
  /** The live tail's last read failure, logged once per change. */
  private volatile String tailProblem;
  private volatile String backfillProblem;

  /** Creates the fan-out; {@link #start()} begins tailing. */
  public Fanout(EventLog log, SubscriberSettings settings, Metrics metrics, Health health, long backfillBytes,
      int backfillThreads) {
    this.log = log;
    this.settings = settings;
    this.health = health;
    this.recent = new RecentFrames(settings.recentFrames(), settings.recentBytes());
    this.backfillBudget = new ByteBudget("backfill frames", backfillBytes);
    this.thread = new Thread(this::run, "atsync-fanout");
    this.thread.setDaemon(true);
    this.backfill = new ScheduledThreadPoolExecutor(backfillThreads, r -> {
      Thread t = new Thread(r, "atsync-backfill");
      t.setDaemon(true);
      return t;
    });
    this.backfill.setRemoveOnCancelPolicy(true);
    this.deliveries = metrics.counter("atsync_inverter_deliveries_total", "Events sent to subscribers");
    this.backfillDeliveries = metrics.counter("atsync_inverter_backfill_deliveries_total",
        "Events sent to subscribers behind the in-memory window, read from the log");
    this.dropped = metrics.counter("atsync_inverter_subscribers_dropped_total",
        "Subscribers closed with ConsumerTooSlow");
    metrics.gauge("atsync_inverter_subscribers", "Connected subscribers", sessions::size);
    this.metrics = metrics;
    this.deliveryClock = new DeliveryClock(metrics.timer("atsync_inverter_post_to_delivery",
        "From an event's acknowledgement (durable in the log) to its write to a live subscriber's socket"));
    metrics.gauge("atsync_inverter_backfill_bytes", "Backfill frame bytes read and not yet written",
        backfillBudget::used);
    health.watch(new Health.Worker() {
      @Override
      public String name() {
        return "fan-out";
      }

      @Override
      public boolean alive() {
        return !running || thread.isAlive() || thread.getState() == Thread.State.NEW;
      }
    });
  }

  /** Starts tailing from the log's current end. */
  public void start() {
    tailSeq = log.lastSeq();
    deliveryClock.startAt(tailSeq);
    log.addAppendListener(seq -> {
      deliveryClock.acknowledged(seq);
      wake();
    });
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
    metrics.gauge(SUBSCRIBER_LAG, "Events a subscriber is behind the log's newest", "subscriber",
        Long.toString(s.id), () -> Math.max(0, log.lastSeq() - s.position));
    countChanged();
    wake();
  }

  void remove(Session s) {
    if (sessions.remove(s)) {
      metrics.removeGauge(SUBSCRIBER_LAG, "subscriber", Long.toString(s.id));
      countChanged();
    }
  }

  /** Called with the new subscriber count whenever it changes. */
  public void onCountChanged(IntConsumer listener) {
    countListeners.add(listener);
  }

  private void countChanged() {
    int n = sessions.size();
    for (IntConsumer l : countListeners) {
      try {
        l.accept(n);
      } catch (RuntimeException e) {
        LOG.warn("subscriber count listener failed: {}", e.toString());
      }
    }
  }

  /** Wakes the fan-out thread: new events, a new subscriber, or a socket that drained. */
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
        long now = System.nanoTime();
        for (Session s : sessions) {
          if (check(s, oldest, now) && !s.backfilling.get()) {
            serveLive(s);
          }
        }
        handOverLive();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // a bug, not a log failure (those are handled where they happen): delivery must go on
        LOG.error("fan-out pass failed", e);
      } catch (Error e) {
        health.fatal("fan-out", e);
        throw e;
      }
    }
  }

  private void loadTail() {
    try {
      while (true) {
        List<LoggedEvent> batch = log.readAfter(tailSeq, LOG_READ_BATCH);
        for (LoggedEvent e : batch) {
          recent.add(e.seq(), RecentFrames.binaryMessage(outgoing(e)));
          tailSeq = e.seq();
        }
        if (batch.size() < LOG_READ_BATCH) {
          break;
        }
      }
      if (tailProblem != null) {
        LOG.info("fan-out reads the log again at seq {}", tailSeq);
        tailProblem = null;
      }
    } catch (CorruptLogException e) {
      tailProblem(e);
      // every live subscriber waits for events that cannot be read: tell them, and let them go
      for (Session s : sessions) {
        if (!s.backfilling.get() && s.position >= tailSeq) {
          fail(s, "the event log is corrupt after seq " + tailSeq + "; this server cannot serve it");
        }
      }
    } catch (EventLogException e) {
      tailProblem(e);
    }
  }

  private void tailProblem(EventLogException e) {
    String p = e.getMessage();
    if (!p.equals(tailProblem)) {
      LOG.warn("fan-out cannot read the log after seq {} (retrying every {} ms): {}", tailSeq, TICK_MILLIS, p);
      tailProblem = p;
    }
  }

  /** Drops a subscriber that broke a rule; {@code false} if it is gone. On the fan-out thread. */
  private boolean check(Session s, long oldest, long now) {
    if (!s.open()) {
      if (!s.channel.isActive()) {
        remove(s);
      }
      return false;
    }
    long position = s.position;
    if (position < oldest - 1 && position < tailSeq) {
      drop(s, "cursor position " + position + " fell out of the backfill window (oldest " + oldest + ")", false);
      return false;
    }
    long stuck = s.unwritableSince;
    if (stuck != 0 && now - stuck > settings.writeTimeout().toNanos()) {
      drop(s, "socket did not drain for " + settings.writeTimeout().toMillis() + " ms", true);
      return false;
    }
    long lag = tailSeq - position;
    if (lag > settings.maxLagEvents()) {
      if (s.lagSince == 0) {
        s.lagSince = now;
      } else if (now - s.lagSince > settings.maxLagTime().toNanos()) {
        drop(s, lag + " events behind for more than " + settings.maxLagTime().toSeconds() + " s", false);
        return false;
      }
    } else {
      s.lagSince = 0;
    }
    return true;
  }

  /**
   * Marks a live subscriber with events to send for its network thread (once: a pass finds it
   * already scheduled otherwise). On the fan-out thread; {@link #handOverLive} hands them over.
   */
  private void serveLive(Session s) {
    if (s.position >= tailSeq) {
      return;
    }
    if (s.liveScheduled.compareAndSet(false, true)) {
      due.computeIfAbsent(s.channel.eventLoop(), loop -> new ArrayList<>()).add(s);
    }
  }

  /**
   * Hands each network thread the subscribers of this pass it serves, as one task: one wake-up
   * and one queued task per thread per pass, not one per subscriber. On the fan-out thread.
   */
  private void handOverLive() {
    for (Map.Entry<EventExecutor, List<Session>> e : due.entrySet()) {
      List<Session> theirs = List.copyOf(e.getValue());
      e.getValue().clear();
      if (theirs.isEmpty()) {
        continue;
      }
      try {
        e.getKey().execute(() -> {
          for (Session s : theirs) {
            s.liveScheduled.set(false);
            writeLive(s);
          }
        });
      } catch (RejectedExecutionException gone) {
        theirs.forEach(s -> s.liveScheduled.set(false)); // the network thread is shutting down
      }
    }
  }

  /**
   * Sends a live subscriber what the in-memory window holds after its position, on the
   * subscriber's own network thread: the same shared buffer for every subscriber (no copy),
   * written without a flush, then one flush, so the socket takes many events per write. The
   * fan-out thread only decides who has work, so sessions are written on every core at once.
   */
  private void writeLive(Session s) {
    if (!s.open() || s.backfilling.get()) {
      return;
    }
    long tail = tailSeq;
    if (s.position >= tail) {
      return;
    }
    if (!recent.covers(s.position)) {
      startBackfill(s);
      return;
    }
    int sent = 0;
    while (s.position < tail && s.channel.isWritable()) {
      Map.Entry<Long, ByteBuf> e = recent.retainHigher(s.position);
      if (e == null) {
        // left the window meanwhile: the next pass hands the subscriber to a backfill thread
        wake();
        break;
      }
      s.channel.write(e.getValue(), s.channel.voidPromise());
      s.position = e.getKey();
      deliveryClock.delivered(e.getKey());
      sent++;
    }
    if (sent > 0) {
      deliveries.add(sent);
      s.channel.flush();
    }
  }

  private void startBackfill(Session s) {
    if (s.backfilling.compareAndSet(false, true)) {
      schedule(s, 0);
    }
  }

  private void schedule(Session s, long delayMillis) {
    try {
      if (delayMillis == 0) {
        backfill.execute(() -> backfillStep(s));
      } else {
        backfill.schedule(() -> backfillStep(s), delayMillis, TimeUnit.MILLISECONDS);
      }
    } catch (RejectedExecutionException e) {
      s.backfilling.set(false); // shutting down
    }
  }

  /**
   * One step of a subscriber's backfill, on a backfill thread that owns it: reads a batch sized
   * to what its socket and the budget take, sends it, and schedules the next step, or hands the
   * subscriber back to the live thread once it is inside the in-memory window.
   */
  private void backfillStep(Session s) {
    try {
      if (!s.open() || !running) {
        s.backfilling.set(false);
        return;
      }
      long tail = tailSeq;
      if (s.position >= tail || recent.covers(s.position)) {
        handBack(s);
        return;
      }
      long room = Math.min(s.channel.bytesBeforeUnwritable(), backfillBudget.capacity() - backfillBudget.used());
      if (!s.channel.isWritable() || room <= 0) {
        schedule(s, BACKFILL_PAUSE_MILLIS);
        return;
      }
      int n = (int) Math.max(1, Math.min(LOG_READ_BATCH, room / Math.max(1, s.avgFrameBytes)));
      List<LoggedEvent> batch = log.readAfter(s.position, n);
      if (batch.isEmpty()) {
        handBack(s);
        return;
      }
      boolean full = false;
      long bytes = 0;
      int sent = 0;
      for (LoggedEvent e : batch) {
        if (!s.channel.isWritable()) {
          full = true;
          break;
        }
        byte[] out = outgoing(e);
        int len = out.length;
        if (!backfillBudget.tryReserve(len)) {
          full = true;
          break;
        }
        s.write(out, () -> backfillBudget.release(len));
        s.position = e.seq();
        bytes += len;
        sent++;
      }
      if (sent > 0) {
        s.flush();
        s.avgFrameBytes = (int) Math.max(1, bytes / sent);
        deliveries.add(sent);
        backfillDeliveries.add(sent);
      }
      if (backfillProblem != null) {
        LOG.info("backfill reads the log again");
        backfillProblem = null;
      }
      schedule(s, full ? BACKFILL_PAUSE_MILLIS : 0);
    } catch (CorruptLogException e) {
      fail(s, "the event log is corrupt after seq " + s.position + "; this server cannot serve it");
      s.backfilling.set(false);
    } catch (EventLogException e) {
      String p = e.getMessage();
      if (!p.equals(backfillProblem)) {
        LOG.warn("backfill cannot read the log (retrying every {} ms): {}", BACKFILL_RETRY_MILLIS, p);
        backfillProblem = p;
      }
      schedule(s, BACKFILL_RETRY_MILLIS);
    } catch (RuntimeException e) {
      LOG.error("backfill of {} failed", s.remote, e);
      schedule(s, BACKFILL_RETRY_MILLIS);
    } catch (Error e) {
      health.fatal("backfill", e);
      throw e;
    }
  }

  /**
   * The outgoing bytes of a stored event. Every stored frame was checked at ingest, so one that
   * no longer decodes was damaged in storage: that is corruption, whatever the store says.
   */
  private byte[] outgoing(LoggedEvent e) {
    try {
      return RecentFrames.outgoing(e);
    } catch (RuntimeException x) {
      String what = "stored event seq " + e.seq() + " is not a frame any more: " + x.getMessage();
      health.corrupt(what);
      throw new CorruptLogException(what, x);
    }
  }

  private void handBack(Session s) {
    s.backfilling.set(false);
    wake();
  }

  private void drop(Session s, String why, boolean stalled) {
    if (!s.closing.compareAndSet(false, true)) {
      return;
    }
    dropped.increment();
    LOG.info("dropping subscriber {}: {}", s.remote, why);
    remove(s);
    s.closeWith(Frame.ofError(StreamError.of(StreamError.CONSUMER_TOO_SLOW, why)).bytes(),
        WebSocketCloseStatus.POLICY_VIOLATION.code(), StreamError.CONSUMER_TOO_SLOW, stalled);
  }

  /** Ends a subscriber whose events cannot be served: an error frame, then close (1011). */
  private void fail(Session s, String why) {
    if (!s.closing.compareAndSet(false, true)) {
      return;
    }
    LOG.debug("closing subscriber {}: {}", s.remote, why);
    remove(s);
    s.closeWith(Frame.ofError(StreamError.of(INTERNAL_ERROR, why)).bytes(),
        WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), INTERNAL_ERROR, false);
  }

  /** The connected subscribers, for the admin routes. */
  public List<SubscriberInfo> subscribers() {
    long last = log.lastSeq();
    List<SubscriberInfo> out = new java.util.ArrayList<>(sessions.size());
    for (Session s : sessions) {
      long p = s.position;
      out.add(new SubscriberInfo(s.id, s.remote, p, Math.max(0, last - p), s.queuedBytes(), s.connectedAt,
          s.backfilling.get()));
    }
    out.sort(java.util.Comparator.comparingLong(SubscriberInfo::id));
    return out;
  }

  /**
   * Disconnects a subscriber (an operator's decision): a close frame (1000) saying so, then close.
   *
   * @return false if no such subscriber is connected
   */
  public boolean disconnect(long id) {
    for (Session s : sessions) {
      if (s.id == id) {
        if (!s.closing.compareAndSet(false, true)) {
          return false;
        }
        LOG.info("disconnecting subscriber {} ({}) at an operator's request", id, s.remote);
        remove(s);
        s.closeWith(null, WebSocketCloseStatus.NORMAL_CLOSURE.code(), "disconnected by an operator", false);
        return true;
      }
    }
    return false;
  }

  /** Every session, for shutdown. */
  Set<Session> sessions() {
    return sessions;
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
    backfill.shutdownNow();
    if (!thread.isAlive()) {
      recent.clear();
    }
  }
}
