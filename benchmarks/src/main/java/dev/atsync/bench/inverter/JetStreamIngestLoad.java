package dev.atsync.bench.inverter;

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
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * Durable ingest into the JetStream log beside the ceiling of the same nats-server, measured the
 * same way in one run, on one local server (R1) and on a three-server cluster on 127.0.0.1 (R3),
 * file storage, the store's stream configuration (duplicate window, direct gets):
 *
 * <ul>
 *   <li>ceiling: raw jnats publishes of 1 KB messages, each with a distinct {@code Nats-Msg-Id}
 *       (as the store sends), spread over 64 subjects: {@code publish} from one thread (one round
 *       trip each) and {@code publishAsync} with 16, 64, 256 and 400 in flight (16 posters of single
 *       events can have at most 16 in flight, four posters of batches of 100 at most 400), all with
 *       jnats' default flush after every request, and 400 in flight without it, as the store
 *       connects;
 *   <li>the log ({@code EventLog} over {@code JetStreamEventStore}): 1, 16 and 64 concurrent
 *       posters of single 1 KB {@code #commit} frames (each poster its own account, each waiting
 *       for its own acknowledged answer), one poster of batches of 100 commits to 100 accounts,
 *       and four such posters at once (each its own 100 accounts), as a fleet of PDSes posts.
 * </ul>
 *
 * <p>Each measurement runs 4 s on a stream of its own (after unmeasured runs of the ceiling, or of
 * the log, so the JIT has compiled the paths: on two cores the compiler otherwise takes much of
 * the first rows' CPU), and prints beside its rate the CPU time
 * per message of this JVM (and of that, its JIT compiler, garbage collector, NATS client and poster
 * threads') and of the
 * nats-server processes (on a machine with few cores, CPU is what limits the rate), this JVM's
 * context switches per message (voluntary + involuntary, from {@code /proc}; of the threads alive
 * at its end and of the posters), its read and write system calls per message
 * ({@code /proc/self/io}: socket reads and writes), the time the garbage collectors paused it,
 * and how many cores the machine's other processes took meanwhile ({@code /proc/stat} less this
 * JVM and the servers; on a shared machine, other sessions' work), and how long a fixed piece of
 * work (SHA-256 of 256 KB) took on one core right before and right after the row. Needs
 * {@code nats-server} on PATH. Arguments (optional): {@code r1} and/or {@code r3} to run one of
 * the two, then {@code ceiling} or {@code log} to run only the raw ceiling or only the log rows,
 * and {@code repeat} to run, of the log rows, only four posters of batches of 100, six times in the
 * same JVM.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.atsync.bench.inverter.JetStreamIngestLoad [r1] [r3] [ceiling|log] [repeat]</pre>
 */
public final class JetStreamIngestLoad {
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);
  private static final AtomicInteger STREAMS = new AtomicInteger();

  private JetStreamIngestLoad() {}

  public static void main(String[] args) throws Exception {
    System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " cpus, " + natsVersion());
    List<String> which = new ArrayList<>();
    boolean ceilings = true;
    boolean logs = true;
    boolean repeat = false;
    for (String a : args) {
      switch (a) {
        case "r1", "r3" -> which.add(a);
        case "ceiling" -> logs = false;
        case "log" -> ceilings = false;
        case "repeat" -> repeat = true;
        default -> throw new IllegalArgumentException("r1, r3, ceiling, log or repeat, not " + a);
      }
    }
    if (which.isEmpty()) {
      which = List.of("r1", "r3");
    }
    for (String w : which) {
      int replicas = switch (w) {
        case "r1" -> 1;
        case "r3" -> 3;
        default -> throw new IllegalArgumentException("r1 or r3, not " + w);
      };
      try (JetStreamNatsCluster servers = JetStreamNatsCluster.launch(replicas)) {
        String r = "R" + replicas;
        if (ceilings) {
          warmUp(() -> {
            ceilingSync(servers, r);
            ceilingAsync(servers, r, 64, true);
          });
          ceilingSync(servers, r);
          for (int inFlight : new int[] {16, 64, 256, 400}) {
            ceilingAsync(servers, r, inFlight, true);
          }
          ceilingAsync(servers, r, 400, false);
        }
        if (logs) {
          warmUp(() -> {
            log(servers, r, 1);
            log(servers, r, 16);
            batches(servers, r, 4);
          });
          if (repeat) {
            // one JVM's figure again and again: a run-to-run spread that stays within one JVM is not its compilation's
            for (int i = 0; i < 6; i++) {
              batches(servers, r, 4);
            }
          } else {
            for (int posters : new int[] {1, 16, 64}) {
              log(servers, r, posters);
            }
            batches(servers, r, 1);
            batches(servers, r, 4);
          }
        }
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

  /** Something to run once before measuring. */
  interface Run {
    void run() throws Exception;
  }

  /**
   * Runs {@code r} once with its output dropped, so the JIT compiles the path before the
   * measurements: otherwise the first measurement's CPU time is mostly the compiler's.
   */
  static void warmUp(Run r) throws Exception {
    java.io.PrintStream out = System.out;
    System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    try {
      r.run();
    } finally {
      System.setOut(out);
    }
  }

  /** CPU time and context switches at the start of a measurement, to print per message at its end. */
  static final class Cost {
    private final long jvmCpu = jvmCpuNanos();
    private final long serverCpu = serverCpuNanos();
    private final long gcMillis = gcMillis();
    private final long[] syscalls = syscalls();
    private final Map<Long, Long> switches = threadSwitches();
    private final double speedBefore = sha256MicrosPerMegabyte();
    private final long machineBusy = machineBusyNanos();
    private final Map<Long, long[]> vmCpu = vmThreadsCpuNanos();
    private final long wallStart = System.nanoTime();
    /** The final counts of poster threads (started after this), by thread id, which end before the measurement does. */
    private final Map<Long, Long> posters = new java.util.concurrent.ConcurrentHashMap<>();

    /** The CPU time of the poster threads, each added as it ends (a thread's time ends with it). */
    private final LongAdder posterCpu = new LongAdder();

    /** Called by a poster thread as its last act. */
    void posterEnds() {
      posterCpu.add(Math.max(0, ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime()));
      Path self = Path.of("/proc/thread-self/status");
      try (Stream<String> lines = Files.lines(self)) {
        lines.filter(l -> l.startsWith("Pid:")).findFirst()
            .ifPresent(l -> posters.put(Long.parseLong(l.substring(4).trim()), switchesOf(self)));
      } catch (IOException | RuntimeException noProc) {
        // not Linux: no counts
      }
    }

    /** "jvm X us, servers Y us, Z cs" per message since this was made. */
    String per(long messages) {
      Map<Long, Long> now = threadSwitches();
      now.putAll(posters); // a poster's own final count, whether or not its thread is still listed
      long cs = 0;
      for (Map.Entry<Long, Long> t : now.entrySet()) {
        cs += t.getValue() - switches.getOrDefault(t.getKey(), 0L);
      }
      double n = Math.max(1, messages);
      long[] sys = syscalls();
      long jvm = jvmCpuNanos() - jvmCpu;
      long servers = serverCpuNanos() - serverCpu;
      // what the rest of the machine (other sessions' builds and tests) took from the same cores meanwhile
      double others = Math.max(0, machineBusyNanos() - machineBusy - jvm - servers) / (double) (System.nanoTime() - wallStart);
      long[] vm = new long[3];
      for (Map.Entry<Long, long[]> t : vmThreadsCpuNanos().entrySet()) {
        long[] was = vmCpu.get(t.getKey());
        for (int i = 0; i < vm.length; i++) {
          vm[i] += t.getValue()[i] - (was == null ? 0 : was[i]); // by thread: one that ended meanwhile is left out
        }
      }
      String figures = String.format("(per msg: jvm %4.0f us cpu (jit %3.0f, gc %3.0f, nats client %3.0f, posters %3.0f),"
          + " servers %4.0f us cpu, %4.2f ctx switches, %4.2f read + %4.2f write calls; gc pauses %4d ms; other processes"
          + " %4.2f cores", jvm / 1e3 / n, vm[0] / 1e3 / n, vm[1] / 1e3 / n, vm[2] / 1e3 / n, posterCpu.sum() / 1e3 / n,
          servers / 1e3 / n, cs / n,
          (sys[0] - syscalls[0]) / n, (sys[1] - syscalls[1]) / n, gcMillis() - gcMillis, others);
      return figures + String.format("; sha-256 %.0f / %.0f us/MB before / after)", speedBefore,
          sha256MicrosPerMegabyte());
    }

    /**
     * How fast this machine's core runs a fixed piece of work now: the median of five timings of
     * SHA-256 over 256 KB, in microseconds per megabyte. The same work taking longer between runs
     * means the cores themselves were slower (a shared host), whatever the code measured.
     */
    static double sha256MicrosPerMegabyte() {
      byte[] data = new byte[256 * 1024];
      long[] t = new long[5];
      try {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < t.length; i++) {
          long start = System.nanoTime();
          md.update(data);
          data[i] = md.digest()[0];
          t[i] = System.nanoTime() - start;
        }
      } catch (java.security.NoSuchAlgorithmException e) {
        return 0;
      }
      java.util.Arrays.sort(t);
      return t[2] / 1e3 * 4;
    }

    /**
     * CPU time so far of this JVM's live JIT compiler threads, its garbage collector threads and the
     * log's NATS client threads (reader, writer, dispatchers: named after the store's connection),
     * by thread id: {jit, gc, client} for each, only one of them set, from
     * {@code /proc/self/task/<tid>/stat} in ticks of 10 ms; empty elsewhere.
     */
    private static Map<Long, long[]> vmThreadsCpuNanos() {
      Map<Long, long[]> out = new HashMap<>();
      try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
        tasks.forEach(t -> {
          try {
            String stat = Files.readString(t.resolve("stat"));
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long nanos = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // utime, stime
            int kind = name.startsWith("C1 ") || name.startsWith("C2 ") ? 0
                : name.startsWith("GC Thread") || name.startsWith("G1 ") ? 1
                : name.startsWith("atsync-inverter") ? 2 : -1;
            if (kind >= 0) {
              long[] v = new long[3];
              v[kind] = nanos;
              out.put(Long.parseLong(t.getFileName().toString()), v);
            }
          } catch (IOException | RuntimeException gone) {
            // the thread ended meanwhile
          }
        });
      } catch (IOException | RuntimeException noProc) {
        // not Linux: no figures
      }
      return out;
    }

    /**
     * CPU time every process on the machine used so far, plus what the hypervisor took (the
     * {@code cpu} line of {@code /proc/stat}: user, nice, system and steal, in clock ticks of 10 ms;
     * interrupt handling is left out, as it is mostly this run's own loopback traffic), 0 elsewhere.
     */
    private static long machineBusyNanos() {
      try (Stream<String> lines = Files.lines(Path.of("/proc/stat"))) {
        String[] f = lines.filter(l -> l.startsWith("cpu ")).findFirst().orElse("cpu").trim().split("\\s+");
        long ticks = 0;
        for (int i : new int[] {1, 2, 3, 8}) {
          ticks += i < f.length ? Long.parseLong(f[i]) : 0;
        }
        return ticks * 10_000_000L;
      } catch (IOException | RuntimeException noProc) {
        return 0; // not Linux: no figure
      }
    }

    /** This JVM's read and write system calls so far ({@code /proc/self/io}; zeros elsewhere). */
    private static long[] syscalls() {
      long[] rw = new long[2];
      try (Stream<String> lines = Files.lines(Path.of("/proc/self/io"))) {
        lines.forEach(l -> {
          if (l.startsWith("syscr:")) {
            rw[0] = Long.parseLong(l.substring(6).trim());
          } else if (l.startsWith("syscw:")) {
            rw[1] = Long.parseLong(l.substring(6).trim());
          }
        });
      } catch (IOException | RuntimeException noProc) {
        // not Linux: no counts
      }
      return rw;
    }

    /** Wall time the collectors reported, all collectors together. */
    private static long gcMillis() {
      return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime()))
          .sum();
    }

    private static long jvmCpuNanos() {
      return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    private static long serverCpuNanos() {
      return ProcessHandle.current().descendants()
          .filter(p -> p.info().command().map(c -> c.endsWith("nats-server")).orElse(false))
          .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    /** Voluntary plus involuntary context switches of every live thread of this JVM, by thread id. */
    private static Map<Long, Long> threadSwitches() {
      Map<Long, Long> out = new HashMap<>();
      try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
        tasks.forEach(t -> out.put(Long.parseLong(t.getFileName().toString()), switchesOf(t.resolve("status"))));
      } catch (IOException | RuntimeException noProc) {
        // not Linux: no counts
      }
      return out;
    }

    private static long switchesOf(Path status) {
      try (Stream<String> lines = Files.lines(status)) {
        ToLongFunction<String> count = l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
        return lines.filter(l -> l.contains("ctxt_switches:")).mapToLong(count).sum();
      } catch (IOException | RuntimeException gone) {
        return 0; // the thread ended meanwhile
      }
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
    return connect(servers, true);
  }

  /** A raw connection; {@code flushEachRequest} false is how {@code JetStreamEventStore} connects. */
  static Connection connect(JetStreamNatsCluster servers, boolean flushEachRequest) throws Exception {
    io.nats.client.Options.Builder b = new io.nats.client.Options.Builder()
        .servers(servers.urls().toArray(new String[0])).connectionTimeout(Duration.ofSeconds(5));
    if (!flushEachRequest) {
      b.dontForceFlushOnRequest();
    }
    return Nats.connect(b.build());
  }

  static void ceilingSync(JetStreamNatsCluster servers, String r) throws Exception {
    try (Connection c = connect(servers)) {
      String prefix = rawStream(c, servers);
      JetStream js = c.jetStream();
      long n = 0;
      Cost cost = new Cost();
      long start = System.nanoTime();
      while (System.nanoTime() - start < RUN_NANOS) {
        js.publish(rawMessage(prefix, n), rawOptions(n));
        n++;
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("%s ceiling: jnats publish, 1 thread, 1 KB:                 %,8.0f msgs/s %s%n", r, n / secs,
          cost.per(n));
    }
  }

  /** {@code inFlight} pipelined publishes; {@code flushEachRequest}: jnats' default, else the store's setting. */
  static void ceilingAsync(JetStreamNatsCluster servers, String r, int inFlight, boolean flushEachRequest)
      throws Exception {
    try (Connection c = connect(servers, flushEachRequest)) {
      String prefix = rawStream(c, servers);
      JetStream js = c.jetStream();
      Semaphore window = new Semaphore(inFlight);
      LongAdder acked = new LongAdder();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      long n = 0;
      Cost cost = new Cost();
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
      System.out.printf("%s ceiling: jnats publishAsync, %3d in flight, 1 KB%s %,8.0f msgs/s %s%n", r, inFlight,
          flushEachRequest ? ":    " : ", no flush per request:", acked.sum() / secs, cost.per(acked.sum()));
    }
  }

  static EventLog open(JetStreamNatsCluster servers) {
    return EventLog.over(JetStreamEventStore.connect(settings(servers)));
  }

  static void log(JetStreamNatsCluster servers, String r, int posters) throws Exception {
    try (EventLog log = open(servers)) {
      Cost cost = new Cost();
      InverterLoad.Appended done = InverterLoad.appendConcurrently(log, posters, RUN_NANOS, t -> {
        String did = InverterLoad.did(t + 1);
        return () -> List.of(InverterLoad.commit(did, InverterLoad.frame(did, 900)));
      }, cost::posterEnds);
      System.out.printf("%s log: %2d posters, single 1 KB frames:                  %,8.0f events/s %s%n", r, posters,
          done.perSecond(), cost.per(done.events()));
    }
  }

  /** {@code posters} threads appending batches of 100 commits, each thread to its own 100 accounts. */
  static void batches(JetStreamNatsCluster servers, String r, int posters) throws Exception {
    try (EventLog log = open(servers)) {
      Cost cost = new Cost();
      InverterLoad.Appended done = InverterLoad.appendConcurrently(log, posters, RUN_NANOS, t -> {
        int firstAccount = 1000 + 100 * t;
        return () -> {
          List<LogEvent> batch = new ArrayList<>(100);
          for (int i = 0; i < 100; i++) {
            String did = InverterLoad.did(firstAccount + i);
            batch.add(InverterLoad.commit(did, InverterLoad.frame(did, 900)));
          }
          return batch;
        };
      }, cost::posterEnds);
      System.out.printf("%s log: %d poster%s, batches of 100 (%3d accounts):        %,8.0f events/s %s%n", r, posters,
          posters == 1 ? " " : "s", 100 * posters, done.perSecond(), cost.per(done.events()));
    }
  }
}
