package dev.atsync.inverter.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A minimal Prometheus registry: monotonic counters (optionally with one label), gauges read on
 * scrape, and the text exposition format. Enough for {@code /metrics} without a client library.
 */
public final class Metrics {
  private final Map<String, Family> families = new ConcurrentHashMap<>();

  private static final class Family {
    final String help;
    final String type;
    final String label;
    final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();
    final LongSupplier gauge;

    Family(String help, String type, String label, LongSupplier gauge) {
      this.help = help;
      this.type = type;
      this.label = label;
      this.gauge = gauge;
    }
  }

  /** A counter without labels. */
  public LongAdder counter(String name, String help) {
    return families.computeIfAbsent(name, n -> new Family(help, "counter", null, null))
        .counters.computeIfAbsent("", k -> new LongAdder());
  }

  /** One labelled child of a counter family. */
  public LongAdder counter(String name, String help, String label, String value) {
    return families.computeIfAbsent(name, n -> new Family(help, "counter", label, null))
        .counters.computeIfAbsent(value, k -> new LongAdder());
  }

  /** A gauge whose value is read at scrape time. */
  public void gauge(String name, String help, LongSupplier value) {
    families.put(name, new Family(help, "gauge", null, value));
  }

  /** One labelled child of a gauge family, read at scrape time. */
  public void gauge(String name, String help, String label, String value, LongSupplier supplier) {
    families.computeIfAbsent(name, n -> new Family(help, "gauge", label, null)).gauges.put(value, supplier);
  }

  /** The Prometheus text exposition of every metric, sorted by name. */
  public String scrape() {
    StringBuilder sb = new StringBuilder(4096);
    for (Map.Entry<String, Family> e : new TreeMap<>(families).entrySet()) {
      String name = e.getKey();
      Family f = e.getValue();
      sb.append("# HELP ").append(name).append(' ').append(f.help).append('\n');
      sb.append("# TYPE ").append(name).append(' ').append(f.type).append('\n');
      if (f.gauge != null) {
        sb.append(name).append(' ').append(f.gauge.getAsLong()).append('\n');
        continue;
      }
      for (Map.Entry<String, LongSupplier> g : new TreeMap<>(f.gauges).entrySet()) {
        sb.append(name).append('{').append(f.label).append("=\"").append(escape(g.getKey())).append("\"} ")
            .append(g.getValue().getAsLong()).append('\n');
      }
      for (Map.Entry<String, LongAdder> c : new TreeMap<>(f.counters).entrySet()) {
        sb.append(name);
        if (f.label != null) {
          sb.append('{').append(f.label).append("=\"").append(escape(c.getKey())).append("\"}");
        }
        sb.append(' ').append(c.getValue().sum()).append('\n');
      }
    }
    return sb.toString();
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
