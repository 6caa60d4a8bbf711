package dev.atsync.bench.inverter;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.JetStreamNatsCluster;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.jetstream.JetStreamEventStore;
import dev.atsync.inverter.log.jetstream.JetStreamSettings;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durable ingest into the JetStream log beside the ceiling of the same nats-server, measured the
 * same way in one run, on one local server (R1) and on a three-server cluster on 127.0.0.1 (R3),
 * file storage, the store's stream configuration (duplicate window, direct gets):
 *
 * <ul>
 *   <li>ceiling: raw jnats publishes of 1 KB messages, each with a distinct {@code Nats-Msg-Id}
 *       (as the store sends), spread over 64 subjects: {@code publish} from one thread (one round
 *       trip each) and {@code publishAsync} with 16, 64 and 256 in flight (16 posters of single events
 *       can have at most 16 in flight);
 *   <li>the log ({@code EventLog} over {@code JetStreamEventStore}): 1, 16 and 64 concurrent
 *       posters of single 1 KB {@code #commit} frames (each poster its own account, each waiting
 *       for its own acknowledged answer), and one poster of batches of 100 commits to 100
 *       accounts.
 * </ul>
 *
 * <p>Each measurement runs 4 s on a stream of its own. Needs {@code nats-server} on PATH.
 * Arguments (optional): {@code r1} or {@code r3} to run one of the two.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.atsync.bench.inverter.JetStreamIngestLoad</pre>
 */
public final class JetStreamIngestLoad {
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);
  private static final AtomicInteger STREAMS = new AtomicInteger();

  private JetStreamIngestLoad() {}

  public static void main(String[] args) throws Exception {
    System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " cpus, " + natsVersion());
    List<String> which = args.length == 0 ? List.of("r1", "r3") : List.of(args);
    for (String w : which) {
      int replicas = switch (w) {
        case "r1" -> 1;
        case "r3" -> 3;
        default -> throw new IllegalArgumentException("r1 or r3, not " + w);
      };
      try (JetStreamNatsCluster servers = JetStreamNatsCluster.launch(replicas)) {
        String r = "R" + replicas;
        ceilingSync(servers, r);
        for (int inFlight : new int[] {16, 64, 256}) {
          ceilingAsync(servers, r, inFlight);
        }
        for (int posters : new int[] {1, 16, 64}) {
          log(servers, r, posters);
        }
        batches(servers, r);
      }
    }
    System.exit(0);
  }

  static String natsVersion() {
    try {
      Process p = new ProcessBuilder("nats-server", "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return v;
    } catch (IOException | InterruptedException e) {
      return "nats-server version unknown";
    }
  }

  /** The store's settings for a fresh stream on these servers. */
  static JetStreamSettings settings(JetStreamNatsCluster servers) {
    int n = STREAMS.incrementAndGet();
    return JetStreamSettings.of(servers.urls().get(0)).withUrls(servers.urls()).withStream("load" + n, "load" + n + ".ev")
        .withReplicas(servers.size());
  }

  /** A stream shaped as the store shapes its own (see StreamProvisioner), for the raw ceiling. */
  static String rawStream(Connection c, JetStreamNatsCluster servers) throws Exception {
    JetStreamSettings s = settings(servers);
    JetStreamManagement jsm = c.jetStreamManagement();
    jsm.addStream(StreamConfiguration.builder().name(s.streamName()).subjects(s.subjectPrefix() + ".>")
        .storageType(StorageType.File).replicas(s.replicas()).duplicateWindow(s.duplicateWindow()).allowDirect(true)
        .build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (s.replicas() > 1) {
      StreamInfo si = jsm.getStreamInfo(s.streamName());
      if (si.getClusterInfo() != null && si.getClusterInfo().getLeader() != null) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("stream " + s.streamName() + " has no leader");
      }
      Thread.sleep(50);
    }
    return s.subjectPrefix();
  }

  static Message rawMessage(String prefix, long n) {
    byte[] data = new byte[1024];
    ByteBuffer.wrap(data).putLong(n).putLong(System.nanoTime());
    return NatsMessage.builder().subject(prefix + ".acct" + (n % 64) + ".r").data(data).build();
  }

  static PublishOptions rawOptions(long n) {
    return PublishOptions.builder().messageId("m" + n + "-" + System.nanoTime()).build();
  }

  static Connection connect(JetStreamNatsCluster servers) throws Exception {
    return Nats.connect(new io.nats.client.Options.Builder().servers(servers.urls().toArray(new String[0]))
        .connectionTimeout(Duration.ofSeconds(5)).build());
  }

  static void ceilingSync(JetStreamNatsCluster servers, String r) throws Exception {
    try (Connection c = connect(servers)) {
      String prefix = rawStream(c, servers);
      JetStream js = c.jetStream();
      long n = 0;
      long start = System.nanoTime();
      while (System.nanoTime() - start < RUN_NANOS) {
        js.publish(rawMessage(prefix, n), rawOptions(n));
        n++;
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("%s ceiling: jnats publish, 1 thread, 1 KB:                 %,8.0f msgs/s%n", r, n / secs);
    }
  }

  static void ceilingAsync(JetStreamNatsCluster servers, String r, int inFlight) throws Exception {
    try (Connection c = connect(servers)) {
      String prefix = rawStream(c, servers);
      JetStream js = c.jetStream();
      Semaphore window = new Semaphore(inFlight);
      LongAdder acked = new LongAdder();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      long n = 0;
      long start = System.nanoTime();
      while (System.nanoTime() - start < RUN_NANOS && failed.get() == null) {
        window.acquire();
        CompletableFuture<PublishAck> f = js.publishAsync(rawMessage(prefix, n), rawOptions(n));
        f.whenComplete((a, t) -> {
          if (t != null) {
            failed.compareAndSet(null, t);
          } else {
            acked.increment();
          }
          window.release();
        });
        n++;
      }
      window.acquire(inFlight); // every publish answered
      double secs = (System.nanoTime() - start) / 1e9;
      if (failed.get() != null) {
        throw new IOException("a pipelined publish failed", failed.get());
      }
      System.out.printf("%s ceiling: jnats publishAsync, %3d in flight, 1 KB:     %,8.0f msgs/s%n", r, inFlight,
          acked.sum() / secs);
    }
  }

  static EventLog open(JetStreamNatsCluster servers) {
    return EventLog.over(JetStreamEventStore.connect(settings(servers)));
  }

  static void log(JetStreamNatsCluster servers, String r, int posters) throws Exception {
    try (EventLog log = open(servers)) {
      LongAdder done = new LongAdder();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      long start = System.nanoTime();
      long end = start + RUN_NANOS;
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < posters; t++) {
        String did = InverterLoad.did(t + 1);
        Thread th = new Thread(() -> {
          try {
            while (System.nanoTime() < end) {
              Frame f = InverterLoad.frame(did, 900);
              log.append(List.of(InverterLoad.commit(did, f)));
              done.increment();
            }
          } catch (RuntimeException e) {
            failed.compareAndSet(null, e);
          }
        });
        ts.add(th);
        th.start();
      }
      for (Thread th : ts) {
        th.join();
      }
      double secs = (System.nanoTime() - start) / 1e9;
      if (failed.get() != null) {
        throw new IOException("an append failed", failed.get());
      }
      System.out.printf("%s log: %2d posters, single 1 KB frames:                  %,8.0f events/s%n", r, posters,
          done.sum() / secs);
    }
  }

  static void batches(JetStreamNatsCluster servers, String r) {
    try (EventLog log = open(servers)) {
      long n = 0;
      long start = System.nanoTime();
      while (System.nanoTime() - start < RUN_NANOS) {
        List<LogEvent> batch = new ArrayList<>(100);
        for (int i = 0; i < 100; i++) {
          String did = InverterLoad.did(1000 + i);
          batch.add(InverterLoad.commit(did, InverterLoad.frame(did, 900)));
        }
        log.append(batch);
        n += 100;
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("%s log: 1 poster, batches of 100 (100 accounts):           %,8.0f events/s%n", r, n / secs);
    }
  }
}
