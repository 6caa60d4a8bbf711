package dev.atsync.inverter.reference;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code @atproto/sync}'s Firehose reading a stream in a Node.js process ({@code consume.mjs}),
 * with identities resolved through the test PLC directory and every commit authenticated. It
 * records every repo message (seq and DID, in arrival order), every event the Firehose produced,
 * and every error it reported.
 */
public final class ReferenceConsumer implements AutoCloseable {
  private final Process process;
  private final List<JsonNode> messages = new CopyOnWriteArrayList<>();
  private final List<JsonNode> events = new CopyOnWriteArrayList<>();
  private final List<JsonNode> errors = new CopyOnWriteArrayList<>();
  private volatile long processed = -1;

  private ReferenceConsumer(Process process) {
    this.process = process;
  }

  static ReferenceConsumer start(URI service, URI plc, long cursor) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(ReferencePeers.node().toString(), "consume.mjs", "--service",
        service.toString(), "--plc", plc.toString(), "--cursor", String.valueOf(cursor));
    pb.directory(ReferencePeers.home().toFile());
    pb.redirectError(ProcessBuilder.Redirect.appendTo(ReferencePeers.logFile("consume").toFile()));
    ReferenceConsumer c = new ReferenceConsumer(pb.start());
    Thread t = new Thread(c::read, "reference-consumer-stdout");
    t.setDaemon(true);
    t.start();
    return c;
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = ReferencePeers.JSON.readTree(line);
        switch (n.path("kind").asText()) {
          case "message":
            messages.add(n);
            break;
          case "event":
            events.add(n);
            break;
          case "processed":
            processed = n.get("seq").asLong();
            break;
          default:
            errors.add(n);
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  /** Every repo message received, in arrival order ({@code seq}, {@code did}). */
  public List<JsonNode> messages() {
    return new ArrayList<>(messages);
  }

  /** The seqs of {@link #messages()}, in arrival order. */
  public List<Long> seqs() {
    List<Long> out = new ArrayList<>();
    for (JsonNode m : messages) {
      out.add(m.get("seq").asLong());
    }
    return out;
  }

  /** The Firehose's events: commit ops ({@code create}, {@code update}, {@code delete}), {@code sync}, {@code identity}, {@code account}. */
  public List<JsonNode> events() {
    return new ArrayList<>(events);
  }

  /** Everything the Firehose reported to {@code onError}. */
  public List<JsonNode> errors() {
    return new ArrayList<>(errors);
  }

  /**
   * Waits until the message with seq {@code >= seq} has been processed, with all its events (the
   * consumer handles messages one at a time, in arrival order).
   */
  public void awaitProcessed(long seq, Duration timeout) throws InterruptedException {
    await(c -> c.processed >= seq, timeout, "seq " + seq + " processed");
  }

  /** Waits for {@code condition}, failing with what was seen after {@code timeout}. */
  public void await(Predicate<ReferenceConsumer> condition, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(this)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the reference consumer did not see " + what + " within " + timeout.toSeconds()
            + " s; last seqs " + tail(seqs()) + ", errors " + errors + (process.isAlive() ? ""
            : ", exited " + process.exitValue()));
      }
      Thread.sleep(20);
    }
  }

  private static List<Long> tail(List<Long> l) {
    return l.subList(Math.max(0, l.size() - 5), l.size());
  }

  /** Stops the consumer (closing stdin ends it), forcibly after 10 s. */
  @Override
  public void close() {
    ReferencePeers.stop(process, process.getOutputStream());
  }
}
