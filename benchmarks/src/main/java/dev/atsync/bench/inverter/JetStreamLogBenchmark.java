package dev.atsync.bench.inverter;

import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.jetstream.JetStreamEventStore;
import dev.atsync.inverter.log.jetstream.JetStreamSettings;
import dev.atsync.syntax.Did;
import dev.atsync.inverter.log.LogEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Durable appends to an EventLog over a JetStreamEventStore on one local nats-server (R1, file storage), single-event
 * batches of ~1 KB frames, and reads of the last 1000 events. Needs {@code nats-server} on PATH.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JetStreamLogBenchmark {
  private Process nats;
  private Path dir;
  private EventLog log;
  private final AtomicLong counter = new AtomicLong();

  /** Starts nats-server with JetStream in a temp dir and connects a log. */
  @Setup(Level.Trial)
  public void start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    dir = Files.createTempDirectory("atsync-bench-nats");
    nats = new ProcessBuilder("nats-server", "-js", "-a", "127.0.0.1", "-p", Integer.toString(port), "-sd",
        dir.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("nats.log").toFile()).start();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      try {
        log = EventLog.over(JetStreamEventStore.connect(JetStreamSettings.of("nats://127.0.0.1:" + port)));
        break;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
    for (int i = 0; i < 2000; i++) {
      append();
    }
  }

  /** Stops everything. */
  @TearDown(Level.Trial)
  public void stop() throws InterruptedException {
    log.close();
    nats.destroyForcibly();
    nats.waitFor();
  }

  /** One durable single-event append (identity-like, no rev), ~1 KB distinct frame. */
  @Benchmark
  public List<Long> append() {
    long n = counter.incrementAndGet();
    byte[] frame = new byte[1024];
    ByteBuffer.wrap(frame).putLong(n).putLong(System.nanoTime());
    return log.append(List.of(new LogEvent(Did.parse("did:plc:bench" + (n % 64)), Optional.empty(), "#identity", frame))).seqs();
  }

  /** Reads the newest 1000 events (served from the in-memory tail window). */
  @Benchmark
  public int readRecent1000() {
    return log.readAfter(log.lastSeq() - 1000, 1000).size();
  }
}
