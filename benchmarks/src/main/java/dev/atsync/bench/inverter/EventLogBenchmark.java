package dev.atsync.bench.inverter;

import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import dev.atsync.syntax.Did;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The SQLite event log: durable single-event appends of ~1 KB frames from 1, 4 and 16 threads
 * (group commit shares one fsync among the waiting batches), and backfill reads of 100 events.
 * Each thread appends {@code #identity}-type events (no rev) with unique frames, so neither
 * deduplication nor rev order refuses them.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EventLogBenchmark {
  static final int FRAME = 1024;

  /** One SQLite log per trial, in a temporary directory. */
  @State(Scope.Benchmark)
  public static class Log {
    final AtomicLong counter = new AtomicLong();
    Path dir;
    EventLog log;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = Files.createTempDirectory("atsync-log-bench");
      log = EventLog.over(SqliteEventStore.open(dir, SqliteEventStore.Settings.DEFAULT.withRetention(Retention.FOREVER)));
      // a window to read back from
      for (int i = 0; i < 100; i++) {
        LogEvent[] batch = new LogEvent[100];
        for (int j = 0; j < batch.length; j++) {
          batch[j] = event(counter.incrementAndGet());
        }
        log.append(List.of(batch));
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      log.close();
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }

    LogEvent next() {
      return event(counter.incrementAndGet());
    }

    static LogEvent event(long n) {
      byte[] frame = new byte[FRAME];
      ThreadLocalRandom.current().nextBytes(frame);
      ByteBuffer.wrap(frame).putLong(n); // unique content, so no event is taken for a retry
      return new LogEvent(Did.parse("did:plc:bench" + (n % 64)), Optional.empty(), "#identity", frame);
    }
  }

  /** One durable append of one event, one thread. */
  @Benchmark
  @Threads(1)
  public long append1Thread(Log s) {
    return s.log.append(List.of(s.next())).seqs().get(0);
  }

  /** One durable append of one event, 4 threads sharing group commits. */
  @Benchmark
  @Threads(4)
  public long append4Threads(Log s) {
    return s.log.append(List.of(s.next())).seqs().get(0);
  }

  /** One durable append of one event, 16 threads sharing group commits. */
  @Benchmark
  @Threads(16)
  public long append16Threads(Log s) {
    return s.log.append(List.of(s.next())).seqs().get(0);
  }

  /** Reads 100 events after a random cursor within the first 10,000 (a backfill page). */
  @Benchmark
  @Threads(1)
  public List<LoggedEvent> readAfter100(Log s) {
    return s.log.readAfter(ThreadLocalRandom.current().nextLong(9_900), 100);
  }
}
