package dev.atsync.bench.inverter;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.concurrent.TimeUnit;

/**
 * One of the inverter's own latency timers, read between two marks: how many it timed, their mean,
 * and the share above 1, 2.5 and 5 ms (its Prometheus buckets). A load driver prints this beside
 * the latency its clients see, so a tail can be placed in a stage: the log's commit, the ack to the
 * socket write, or the network and threads around them.
 */
final class StageTimer {
  private static final double[] EDGES_MS = {1, 2.5, 5};
  private final String label;
  private final Timer timer;
  private long count;
  private double nanos;
  private final double[] below = new double[EDGES_MS.length];

  StageTimer(MeterRegistry registry, String name, String label) {
    this.timer = registry.get(name).timer();
    this.label = label;
    mark();
  }

  /** Starts a new interval. */
  void mark() {
    HistogramSnapshot s = timer.takeSnapshot();
    count = s.count();
    nanos = s.total(TimeUnit.NANOSECONDS);
    for (int i = 0; i < EDGES_MS.length; i++) {
      below[i] = countBelow(s, EDGES_MS[i]);
    }
  }

  /** What was timed since the last mark, then marks again. */
  String since() {
    HistogramSnapshot s = timer.takeSnapshot();
    long n = s.count() - count;
    StringBuilder b = new StringBuilder(String.format("%s: %d, mean %.2f ms", label, n,
        n == 0 ? 0 : (s.total(TimeUnit.NANOSECONDS) - nanos) / n / 1e6));
    for (int i = 0; i < EDGES_MS.length; i++) {
      double over = n - (countBelow(s, EDGES_MS[i]) - below[i]);
      b.append(String.format(", > %s ms %.2f%%", EDGES_MS[i] == 2.5 ? "2.5" : Integer.toString((int) EDGES_MS[i]),
          n == 0 ? 0 : 100.0 * over / n));
    }
    mark();
    return b.toString();
  }

  private static double countBelow(HistogramSnapshot s, double millis) {
    for (CountAtBucket c : s.histogramCounts()) {
      if (Math.abs(c.bucket(TimeUnit.MILLISECONDS) - millis) < 1e-9) {
        return c.count();
      }
    }
    throw new IllegalStateException("the timer has no bucket at " + millis + " ms");
  }
}
