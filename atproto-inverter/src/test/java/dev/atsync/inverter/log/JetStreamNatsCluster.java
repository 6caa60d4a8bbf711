package dev.atsync.inverter.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test infrastructure: 1 or 3 real {@code nats-server} processes with JetStream on free
 * 127.0.0.1 ports, a temporary store directory and config file each, routed into one cluster
 * when there are several. Servers can be killed and restarted with the same store.
 */
public final class JetStreamNatsCluster implements AutoCloseable {
  private final Path dir;
  private final int[] clientPorts;
  private final int[] clusterPorts;
  private final Process[] processes;

  /** Skips the calling test, loudly, when nats-server is not installed (fails where services are required). */
  public static void assumeInstalled() {
    dev.atsync.inverter.RequiredServices.assume(onPath("nats-server"),
        "nats-server not installed: skipping JetStream tests (CI installs it)");
  }

  static boolean onPath(String binary) {
    for (String p : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!p.isEmpty() && Files.isExecutable(Path.of(p, binary))) {
        return true;
      }
    }
    return false;
  }

  /** Starts {@code n} servers (1 or 3) and waits until JetStream answers on each; skips the test without nats-server. */
  public static JetStreamNatsCluster start(int n) throws IOException, InterruptedException {
    assumeInstalled();
    return launch(n);
  }

  /**
   * As {@link #start}, outside a test (the load drivers in benchmarks/).
   *
   * @throws IOException if nats-server is not on the PATH or does not start
   */
  public static JetStreamNatsCluster launch(int n) throws IOException, InterruptedException {
    if (!onPath("nats-server")) {
      throw new IOException("nats-server is not on the PATH");
    }
    JetStreamNatsCluster c = new JetStreamNatsCluster(n);
    try {
      for (int i = 0; i < n; i++) {
        c.startServer(i);
      }
      c.awaitReady();
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close(); // a server that did start must not outlive the failed set-up
      throw e;
    }
  }

  private JetStreamNatsCluster(int n) throws IOException {
    dir = Files.createTempDirectory("atsync-nats");
    clientPorts = new int[n];
    clusterPorts = new int[n];
    processes = new Process[n];
    int[] ports = dev.atsync.inverter.FreePorts.take(2 * n);
    for (int i = 0; i < n; i++) {
      clientPorts[i] = ports[2 * i];
      clusterPorts[i] = ports[2 * i + 1];
    }
    for (int i = 0; i < n; i++) {
      StringBuilder cfg = new StringBuilder();
      cfg.append("server_name: n").append(i).append('\n');
      cfg.append("listen: 127.0.0.1:").append(clientPorts[i]).append('\n');
      cfg.append("jetstream { store_dir: \"").append(dir.resolve("store" + i)).append("\" }\n");
      if (n > 1) {
        cfg.append("cluster {\n  name: atsync\n  listen: 127.0.0.1:").append(clusterPorts[i]).append("\n  routes: [\n");
        for (int j = 0; j < n; j++) {
          if (j != i) {
            cfg.append("    nats://127.0.0.1:").append(clusterPorts[j]).append('\n');
          }
        }
        cfg.append("  ]\n}\n");
      }
      Files.writeString(dir.resolve("n" + i + ".conf"), cfg.toString());
    }
  }

  /** Starts (or restarts) server {@code i} with its config and store. */
  public void startServer(int i) throws IOException {
    processes[i] = new ProcessBuilder("nats-server", "-c", dir.resolve("n" + i + ".conf").toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("n" + i + ".log").toFile())
        .start();
  }

  /** Kills server {@code i} (SIGKILL). */
  public void kill(int i) throws InterruptedException {
    Process p = processes[i];
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      processes[i] = null;
    }
  }

  /** Freezes server {@code i} (SIGSTOP): its sockets stay open and nothing is answered until {@link #resume}. */
  public void pause(int i) throws IOException, InterruptedException {
    signal(i, "-STOP");
  }

  /** Lets a paused server {@code i} run again (SIGCONT). */
  public void resume(int i) throws IOException, InterruptedException {
    signal(i, "-CONT");
  }

  private void signal(int i, String sig) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", sig, Long.toString(processes[i].pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill " + sig + " of nats-server " + i + " failed");
    }
  }

  /** Waits until every running server's log says JetStream is up and, for a cluster, a leader exists. */
  public void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; i < processes.length; i++) {
      if (processes[i] == null) {
        continue;
      }
      while (!listening(clientPorts[i]) || !log(i).contains("Server is ready")) {
        if (System.nanoTime() > deadline) {
          throw new IOException("nats-server " + i + " did not start:\n" + log(i));
        }
        if (!processes[i].isAlive()) {
          throw new IOException("nats-server " + i + " exited:\n" + log(i));
        }
        Thread.sleep(50);
      }
    }
    if (processes.length > 1) {
      while (true) {
        boolean leader = false;
        for (int i = 0; i < processes.length; i++) {
          if (processes[i] != null && (log(i).contains("JetStream cluster new metadata leader")
              || log(i).contains("Self is new JetStream cluster metadata leader"))) {
            leader = true;
          }
        }
        if (leader) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("no JetStream metadata leader:\n" + log(0));
        }
        Thread.sleep(100);
      }
    }
  }

  private String log(int i) throws IOException {
    Path p = dir.resolve("n" + i + ".log");
    return Files.exists(p) ? Files.readString(p) : "";
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The client URL of server {@code i}. */
  public String url(int i) {
    return "nats://127.0.0.1:" + clientPorts[i];
  }

  /** How many servers the cluster has. */
  public int size() {
    return processes.length;
  }

  /** Every server's client URL. */
  public List<String> urls() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < clientPorts.length; i++) {
      out.add(url(i));
    }
    return out;
  }

  @Override
  public void close() {
    for (int i = 0; i < processes.length; i++) {
      try {
        kill(i);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
