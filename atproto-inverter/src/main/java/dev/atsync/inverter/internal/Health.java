package dev.atsync.inverter.internal;

import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness, readiness and the crash policy of one inverter.
 *
 * <ul>
 *   <li><b>Live</b> unless a worker died (a fatal error: {@link OutOfMemoryError} or any other
 *       {@link Error} in a worker, a worker thread gone, the store's own worker gone). A process
 *       that is not live is not a zombie: the fatal-error handler is called once (by default it
 *       halts the JVM with status {@value #EXIT_STATUS}, so a supervisor restarts it).
 *   <li><b>Ready</b> when live, not shutting down, and the store can take appends now (see
 *       {@link EventStore#status()}): not while the disk is full, the database is locked or
 *       corrupt, or NATS is unreachable.
 * </ul>
 *
 * <p>A watcher re-evaluates both every {@value #WATCH_MILLIS} ms and logs one line per change,
 * with the cause. Reading either never blocks.
 */
public final class Health implements AutoCloseable {
  /** The exit status of the default fatal-error handler (EX_SOFTWARE). */
  public static final int EXIT_STATUS = 70;
  private static final Logger LOG = LoggerFactory.getLogger(Health.class);
  private static final long WATCH_MILLIS = 250;

  /** The default fatal-error handler: halts the JVM, so its supervisor starts a fresh one. */
  public static final Consumer<Throwable> HALT = t -> {
    LOG.error("halting the JVM with status {} so its supervisor restarts it", EXIT_STATUS);
    Runtime.getRuntime().halt(EXIT_STATUS);
  };

  /** A worker thread the watcher checks is still running. */
  public interface Worker {
    /** Its name, for the log. */
    String name();

    /** Whether it still runs (or has not started yet, or was stopped on purpose). */
    boolean alive();
  }

  private final EventLog log;
  private final Consumer<Throwable> onFatal;
  private final List<Worker> workers = new ArrayList<>();
  private final AtomicReference<String> fatal = new AtomicReference<>();
  private final AtomicReference<String> corruption = new AtomicReference<>();
  private final ScheduledExecutorService watcher;
  private final LongSupplier subscribers;
  private final Map<String, java.util.function.Supplier<Object>> details = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean stopping;
  private volatile String lastReadiness = "ready";

  /**
   * @param onFatal called once, on the first fatal error, on the thread that met it
   * @param subscribers the subscriber count, for the readiness body
   */
  public Health(EventLog log, Consumer<Throwable> onFatal, LongSupplier subscribers) {
    this.log = log;
    this.onFatal = onFatal;
    this.subscribers = subscribers;
    this.watcher = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "atsync-health");
      t.setDaemon(true);
      return t;
    });
  }

  /** Adds a part to the readiness answer's body (read at each answer; it must not block). */
  public void addDetail(String key, java.util.function.Supplier<Object> value) {
    details.put(key, value);
  }

  /** Adds a worker to watch. */
  public synchronized void watch(Worker w) {
    workers.add(w);
  }

  /** Starts the watcher. */
  public void start() {
    watcher.scheduleWithFixedDelay(this::check, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * A worker met an error it cannot survive: the inverter stops being live and ready, and the
   * fatal-error handler runs (once). Safe from any thread; never throws.
   */
  public void fatal(String worker, Throwable cause) {
    String what = worker + ": " + cause;
    if (!fatal.compareAndSet(null, what)) {
      return;
    }
    try {
      LOG.error("fatal: {} (the inverter is no longer live)", what);
      onFatal.accept(cause);
    } catch (Throwable t) {
      // the handler itself failed (or we are out of memory): the state above still says not live
    }
  }

  /** Whether {@code t} is one no worker may survive: the JVM itself is in trouble, or a bug broke an invariant. */
  public static boolean isFatal(Throwable t) {
    return t instanceof Error;
  }

  /**
   * Stored data turned out damaged where the store itself could not tell (a stored frame that
   * no longer decodes): not ready from now on; logged once.
   */
  public void corrupt(String what) {
    if (corruption.compareAndSet(null, what)) {
      LOG.error("the event log holds damaged data ({}): the damaged range cannot be served; restore the log from"
          + " a copy (see the inverter README, \"Corruption\")", what);
    }
  }

  /** Marks the start of shutdown: not ready from now on. */
  public void stopping() {
    stopping = true;
  }

  /** Live: no worker died. */
  public boolean live() {
    return fatal.get() == null;
  }

  /** The liveness answer's body. */
  public Map<String, Object> liveness() {
    Map<String, Object> h = new LinkedHashMap<>();
    String f = fatal.get();
    h.put("status", f == null ? "ok" : "failed");
    if (f != null) {
      h.put("error", f);
    }
    return h;
  }

  /** Ready: live, not stopping, and the store takes appends. */
  public boolean ready() {
    return reason() == null;
  }

  /** Why not ready, or {@code null}. */
  private String reason() {
    String f = fatal.get();
    if (f != null) {
      return "failed: " + f;
    }
    if (stopping) {
      return "stopping";
    }
    EventStore.Status s = log.status();
    if (!s.ok()) {
      return "event log " + s.condition().name().toLowerCase(java.util.Locale.ROOT) + ": " + s.detail();
    }
    String c = corruption.get();
    if (c != null) {
      return "event log corrupt: " + c;
    }
    return null;
  }

  /** The kind of reason for not being ready (a change of kind is logged; a change of detail is not). */
  private String kind() {
    if (fatal.get() != null) {
      return "failed";
    }
    if (stopping) {
      return "stopping";
    }
    EventStore.Status s = log.status();
    return s.ok() ? "corrupt" : s.condition().name();
  }

  /** The readiness answer's body (also that of {@code /health}). */
  public Map<String, Object> readiness() {
    Map<String, Object> h = new LinkedHashMap<>();
    String why = reason();
    h.put("status", why == null ? "ok" : fatal.get() != null ? "failed" : stopping ? "stopping" : "unavailable");
    if (why != null) {
      h.put("error", why);
    }
    h.put("store", log.status().condition().name().toLowerCase(java.util.Locale.ROOT));
    h.put("lastSeq", log.lastSeq());
    h.put("subscribers", subscribers.getAsLong());
    details.forEach((k, v) -> h.put(k, v.get()));
    return h;
  }

  private void check() {
    try {
      List<Worker> ws;
      synchronized (this) {
        ws = List.copyOf(workers);
      }
      if (!stopping) {
        for (Worker w : ws) {
          if (!w.alive()) {
            fatal(w.name(), new IllegalStateException("worker thread " + w.name() + " is gone"));
          }
        }
        EventStore.Status s = log.status();
        if (s.condition() == EventStore.Status.Condition.FAILED) {
          fatal("event log", new IllegalStateException(s.detail()));
        }
      }
      String why = reason();
      String now = why == null ? "ready" : kind();
      if (!now.equals(lastReadiness)) {
        if (why == null) {
          LOG.info("ready again");
        } else if (!stopping) {
          LOG.warn("not ready: {}", why);
        }
        lastReadiness = now;
      }
    } catch (Throwable t) {
      if (isFatal(t)) {
        fatal("health watcher", t);
      } else {
        LOG.warn("health check failed: {}", t.toString());
      }
    }
  }

  @Override
  public void close() {
    stopping = true;
    watcher.shutdownNow();
  }
}
