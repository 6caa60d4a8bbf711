package dev.atsync.inverter.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The inverter's metrics, on a Micrometer {@link MeterRegistry}: counters (optionally with one
 * label), gauges read on scrape, and latency timers with fixed buckets. Either the inverter owns
 * the registry (a {@link PrometheusMeterRegistry} it creates, with the JVM and process binders
 * bound to it) or an embedder passes theirs (then nothing is bound to it but the inverter's own
 * meters, and they are removed from it on {@link #close()}).
 *
 * <p>Names are given as they appear in the Prometheus exposition ({@code atsync_inverter_*}): a
 * counter's name ends in {@code _total}; a timer's gets {@code _seconds} appended.
 */
public final class Metrics implements AutoCloseable {
  /**
   * The buckets of every latency timer: from 100 µs (an fsync on fast storage) to 10 s (a commit
   * held for its predecessor, a stalled subscriber), roughly 1-2.5-5 per decade.
   */
  public static final List<Duration> LATENCY_BUCKETS = List.of(
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
      Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10));

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final boolean owned;
  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final Map<String, Meter> gauges = new ConcurrentHashMap<>();
  private final List<Meter> meters = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> binders = new CopyOnWriteArrayList<>();
  private final List<Collector> collectors = new CopyOnWriteArrayList<>();

  /** Metrics on a Prometheus registry of their own, with the JVM and process metrics bound to it. */
  public Metrics() {
    this(null);
  }

  /**
   * Metrics on {@code embedder}'s registry, or (if null) on a Prometheus registry of their own
   * with the JVM and process metrics bound to it.
   */
  public Metrics(MeterRegistry embedder) {
    this.owned = embedder == null;
    this.registry = owned ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : embedder;
    this.prometheus = findPrometheus(registry);
    if (owned) {
      bindJvmAndProcess();
    }
  }

  private static PrometheusMeterRegistry findPrometheus(MeterRegistry r) {
    if (r instanceof PrometheusMeterRegistry p) {
      return p;
    }
    if (r instanceof CompositeMeterRegistry c) {
      for (MeterRegistry child : c.getRegistries()) {
        PrometheusMeterRegistry p = findPrometheus(child);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  private void bindJvmAndProcess() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    binders.add(gc);
    JvmThreadMetrics threads = new JvmThreadMetrics();
    threads.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  /** The registry the meters are on (the inverter's own, or the embedder's). */
  public MeterRegistry registry() {
    return registry;
  }

  /** Whether the registry is the inverter's own (then the JVM and process metrics are on it). */
  public boolean ownsRegistry() {
    return owned;
  }

  /** Whether {@link #scrape()} can render the registry (it is, or contains, a Prometheus registry). */
  public boolean scrapable() {
    return prometheus != null;
  }

  /** A counter without labels. */
  public LongAdder counter(String name, String help) {
    return counter(name, help, null, null);
  }

  /** One labelled child of a counter family. */
  public LongAdder counter(String name, String help, String label, String value) {
    String key = label == null ? name : name + '\u0000' + label + '\u0000' + value;
    LongAdder known = counters.get(key);
    if (known != null) {
      return known;
    }
    return counters.computeIfAbsent(key, k -> {
      LongAdder adder = new LongAdder();
      // the adder is held strongly by this map (a function counter holds its object weakly)
      FunctionCounter.Builder<LongAdder> b = FunctionCounter.builder(name, adder, LongAdder::sum).description(help);
      if (label != null) {
        b.tag(label, value);
      }
      meters.add(b.register(registry));
      return adder;
    });
  }

  /** A gauge whose value is read at scrape time. */
  public void gauge(String name, String help, LongSupplier value) {
    register(name, help, Tags.empty(), value);
  }

  /** One labelled child of a gauge family, read at scrape time. */
  public void gauge(String name, String help, String label, String value, LongSupplier supplier) {
    register(name, help, Tags.of(label, value), supplier);
  }

  /** A gauge with several labels, read at scrape time. */
  public void gauge(String name, String help, Tags tags, LongSupplier supplier) {
    register(name, help, tags, supplier);
  }

  private void register(String name, String help, Tags tags, LongSupplier supplier) {
    Objects.requireNonNull(supplier);
    String key = gaugeKey(name, tags);
    Gauge g = Gauge.builder(name, supplier, s -> s.getAsLong()).description(help).tags(tags).strongReference(true)
        .register(registry);
    gauges.put(key, g);
    meters.add(g);
  }

  /** Removes one labelled child of a gauge family (a subscriber gone), so label values stay bounded. */
  public void removeGauge(String name, String label, String value) {
    Meter g = gauges.remove(gaugeKey(name, Tags.of(label, value)));
    if (g != null) {
      meters.remove(g);
      registry.remove(g);
    }
  }

  private static String gaugeKey(String name, Tags tags) {
    StringBuilder sb = new StringBuilder(name);
    tags.forEach(t -> sb.append('\u0000').append(t.getKey()).append('\u0000').append(t.getValue()));
    return sb.toString();
  }

  /**
   * An info metric: {@code <name>_info{labels} 1}. On a Prometheus registry it is a Prometheus
   * info metric (a Micrometer gauge named {@code ..._info} loses the suffix: the Prometheus
   * client reserves it for info metrics); on another registry, a gauge of 1 named
   * {@code <name>_info} with the labels as tags.
   *
   * @param name the name without {@code _info}
   * @param help the description
   * @param labels label names and values, alternating
   */
  public void info(String name, String help, String... labels) {
    if (prometheus != null) {
      InfoSnapshot snapshot = InfoSnapshot.builder().name(name).help(help)
          .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of(labels)).build()).build();
      Collector c = () -> snapshot;
      prometheus.getPrometheusRegistry().register(c);
      collectors.add(c);
    } else {
      register(name + "_info", help, Tags.of(labels), () -> 1);
    }
  }

  /**
   * A latency timer with the {@link #LATENCY_BUCKETS}; in Prometheus {@code name_seconds_bucket},
   * {@code _count}, {@code _sum} and {@code _max}.
   */
  public Timer timer(String name, String help) {
    Timer t = Timer.builder(name).description(help)
        .serviceLevelObjectives(LATENCY_BUCKETS.toArray(new Duration[0]))
        .register(registry);
    meters.add(t);
    return t;
  }

  /**
   * The Prometheus text exposition of every meter on the registry.
   *
   * @throws IllegalStateException if the registry is not a Prometheus one ({@link #scrapable()})
   */
  public String scrape() {
    if (prometheus == null) {
      throw new IllegalStateException("the meter registry is not a Prometheus registry");
    }
    return prometheus.scrape();
  }

  /** The Prometheus registry, if there is one. */
  public Optional<PrometheusMeterRegistry> prometheus() {
    return Optional.ofNullable(prometheus);
  }

  /**
   * Removes the inverter's meters from an embedder's registry (it outlives the inverter), or
   * closes the inverter's own registry and its binders.
   */
  @Override
  public void close() {
    for (AutoCloseable b : binders) {
      try {
        b.close();
      } catch (Exception e) {
        // a binder that cannot unregister its listeners holds nothing else
      }
    }
    for (Collector c : collectors) {
      prometheus.getPrometheusRegistry().unregister(c);
    }
    collectors.clear();
    if (owned) {
      registry.close();
    } else {
      for (Meter m : meters) {
        registry.remove(m);
      }
    }
    meters.clear();
  }
}
