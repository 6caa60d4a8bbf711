package dev.atsync.inverter.reliability;

import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An inverter in a child JVM with a small heap, for the probes that need one: memory bounds that
 * must hold under {@code -Xmx}, and the crash policy (a worker that dies must take the process
 * down with a non-zero status). Configured by system properties; prints {@code PORTS <public>
 * <ingest>} once it serves.
 */
public final class ChildInverter {
  public static final String TOKEN = Probes.TOKEN;

  private ChildInverter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(System.getProperty("child.dir"));
    long maxBody = Long.getLong("child.maxBody", 16L << 20);
    Long budget = Long.getLong("child.budget");
    boolean poison = Boolean.getBoolean("child.poisonReadsOnceStored");
    EventStore store = SqliteEventStore.open(dir, SqliteEventStore.Settings.DEFAULT.withRetention(Retention.FOREVER));
    if (poison) {
      store = new Poisoned(store);
    }
    Inverter.Builder b = Inverter.builder()
        .log(EventLog.over(store))
        .publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .ingestAddress(new InetSocketAddress("127.0.0.1", 0))
        .ingestTokens(List.of(TOKEN))
        .check(EventCheck.NONE)
        .maxBodyBytes(maxBody)
        .bodyTimeout(Duration.ofSeconds(60));
    if (budget != null) {
      b.maxIngestBytesInFlight(budget);
    }
    Inverter inv = b.build().start();
    System.out.println("PORTS " + inv.publicPort() + " " + inv.ingestPort().orElseThrow());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** A store whose reads fail with an {@link OutOfMemoryError} once it holds an event: a worker's death. */
  static final class Poisoned extends ForwardingStore {
    Poisoned(EventStore delegate) {
      super(delegate);
    }

    @Override
    public List<LoggedEvent> readAfter(long afterSeq, int max) {
      if (delegate.lastSeq() > 0) {
        throw new OutOfMemoryError("injected: Java heap space");
      }
      return super.readAfter(afterSeq, max);
    }
  }

  /** A started child. */
  public record Child(Process process, int publicPort, int ingestPort, List<String> output) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Starts a child JVM with {@code jvmArgs} (heap, properties) and waits for its ports. */
  public static Child start(Path dir, List<String> jvmArgs) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-Dchild.dir=" + dir);
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ChildInverter.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.currentTimeMillis() + 30_000;
    String line;
    while ((line = r.readLine()) != null) {
      output.add(line);
      if (line.startsWith("PORTS ")) {
        String[] parts = line.split(" ");
        Thread drain = new Thread(() -> {
          try {
            String l;
            while ((l = r.readLine()) != null) {
              output.add(l);
            }
          } catch (IOException e) {
            // the child ended
          }
        }, "child-output");
        drain.setDaemon(true);
        drain.start();
        return new Child(p, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), output);
      }
      if (System.currentTimeMillis() > deadline) {
        break;
      }
    }
    p.destroyForcibly();
    throw new IOException("child did not start: " + String.join("\n", output));
  }
}
