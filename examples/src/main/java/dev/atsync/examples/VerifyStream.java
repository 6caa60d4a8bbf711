package dev.atsync.examples;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InvalidFrameException;
import dev.atsync.firehose.verify.CommitVerifier;
import dev.atsync.firehose.verify.Finding;
import dev.atsync.firehose.verify.Policy;
import dev.atsync.firehose.verify.Verdict;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/**
 * {@code verify-stream}: checks a subscribeRepos stream the way a strict Sync v1.1 relay would,
 * and says what it would drop and why. Point it at a live stream or at a file of captured frames
 * (frames back to back, as {@code --capture} writes them or as an ingest body holds them):
 *
 * <pre>
 * verify-stream ws://127.0.0.1:2470/xrpc/com.atproto.sync.subscribeRepos --cursor 0 --limit 1000
 * verify-stream --file frames.bin --policy indigo
 * </pre>
 *
 * <p>It prints one line per message that is not valid (seq, repo, verdict, reason, what was
 * found) and a summary of counts per message type and per reason. A message the verifier
 * {@linkplain Verdict.Status#IGNORED ignores} (a stale {@code #commit} or {@code #sync}: a replay
 * or an older state, which the sync spec says to skip) is counted as ignored, not as failed. Exit
 * code 0 when no message failed, 1 when any was invalid or discontinuous, 2 on usage or connection
 * errors. Signatures are not checked (no identity resolution here): structure, CAR, commit, ops,
 * records and inversion are.
 */
public final class VerifyStream {
  private VerifyStream() {}

  /** Runs the command; see the class documentation. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String url = null;
    Path file = null;
    Path capture = null;
    Long cursor = null;
    long limit = Long.MAX_VALUE;
    long seconds = 30;
    Policy policy = Policy.STRICT;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--file":
            file = Path.of(args[++i]);
            break;
          case "--capture":
            capture = Path.of(args[++i]);
            break;
          case "--cursor":
            cursor = Long.parseLong(args[++i]);
            break;
          case "--limit":
            limit = Long.parseLong(args[++i]);
            break;
          case "--seconds":
            seconds = Long.parseLong(args[++i]);
            break;
          case "--policy":
            policy = policy(args[++i]);
            break;
          case "--help":
          case "-h":
            usage(out);
            return 0;
          default:
            if (args[i].startsWith("ws://") || args[i].startsWith("wss://")) {
              url = args[i];
            } else {
              throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
        }
      }
      if ((url == null) == (file == null)) {
        throw new IllegalArgumentException("give a ws:// or wss:// URL or --file");
      }
    } catch (RuntimeException e) {
      err.println("error: " + e.getMessage());
      usage(err);
      return 2;
    }
    Report report = new Report(CommitVerifier.builder().policy(policy).unauthenticated().build(), out);
    try {
      if (file != null) {
        byte[] all = Files.readAllBytes(file);
        int off = 0;
        while (off < all.length && report.count < limit) {
          int end = nextFrameEnd(all, off);
          if (end < 0) {
            report.count++;
            report.malformed(report.count, "truncated or malformed frame at byte " + off);
            break;
          }
          report.accept(java.util.Arrays.copyOfRange(all, off, end));
          off = end;
        }
      } else {
        live(url, cursor, limit, seconds, capture, report, err);
      }
    } catch (IOException | InterruptedException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    report.summary();
    return report.failed == 0 ? 0 : 1;
  }

  /** The end of the frame starting at {@code off}, found by decoding; -1 if none decodes there. */
  static int nextFrameEnd(byte[] all, int off) {
    try {
      return off + Frame.decodeFirst(all, off).length();
    } catch (InvalidFrameException e) {
      return -1;
    }
  }

  private static void live(String url, Long cursor, long limit, long seconds, Path capture, Report report,
      PrintStream err) throws IOException, InterruptedException {
    BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(1024);
    String full = url + (cursor == null ? "" : (url.contains("?") ? "&" : "?") + "cursor=" + cursor);
    byte[] closed = new byte[0];
    WebSocketClient client = new WebSocketClient(URI.create(full)) {
      @Override
      public void onOpen(ServerHandshake h) {}

      @Override
      public void onMessage(String message) {}

      @Override
      public void onMessage(ByteBuffer bytes) {
        byte[] b = new byte[bytes.remaining()];
        bytes.get(b);
        try {
          queue.put(b); // a full queue blocks the socket reader: backpressure to the server
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void onClose(int code, String reason, boolean remote) {
        queue.offer(closed);
      }

      @Override
      public void onError(Exception ex) {
        err.println("connection error: " + ex);
      }
    };
    if (!client.connectBlocking(10, TimeUnit.SECONDS)) {
      throw new IOException("could not connect to " + full);
    }
    try (java.io.OutputStream cap = capture == null ? null : Files.newOutputStream(capture)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (report.count < limit) {
        long left = deadline - System.nanoTime();
        byte[] b = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
        if (b == null || b == closed) {
          break;
        }
        if (cap != null) {
          cap.write(b);
        }
        report.accept(b);
      }
    } finally {
      client.closeBlocking();
    }
  }

  static Policy policy(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "strict":
        return Policy.STRICT;
      case "indigo":
        return Policy.INDIGO_COMPAT;
      case "lenient":
        return Policy.LENIENT;
      default:
        throw new IllegalArgumentException("--policy must be strict, indigo or lenient");
    }
  }

  static void usage(PrintStream out) {
    out.println("usage: verify-stream <ws://.../xrpc/com.atproto.sync.subscribeRepos> [--cursor N] [--limit N]"
        + " [--seconds N] [--capture FILE] [--policy strict|indigo|lenient]");
    out.println("       verify-stream --file FRAMES [--limit N] [--policy strict|indigo|lenient]");
  }

  /** Counts and prints verdicts. */
  static final class Report {
    final CommitVerifier verifier;
    final PrintStream out;
    final Map<String, Integer> types = new TreeMap<>();
    final Map<String, Integer> reasons = new TreeMap<>();
    long count;
    long failed;
    long ignored;

    Report(CommitVerifier verifier, PrintStream out) {
      this.verifier = verifier;
      this.out = out;
    }

    void accept(byte[] bytes) {
      count++;
      Frame frame;
      try {
        frame = Frame.decode(bytes);
      } catch (InvalidFrameException e) {
        malformed(count, e.getMessage());
        return;
      }
      String type = frame.isError() ? "error" : frame.type().orElse("?");
      types.merge(type, 1, Integer::sum);
      if (frame.isError()) {
        out.printf("error frame: %s%n", frame.error());
        return;
      }
      Verdict v = verifier.verify(frame);
      for (Finding f : v.findings()) {
        reasons.merge(f.reason().name(), 1, Integer::sum);
      }
      if (v.status() != Verdict.Status.VALID) {
        if (v.status() == Verdict.Status.IGNORED) {
          ignored++;
        } else {
          failed++;
        }
        Finding cause = v.cause().orElseThrow();
        String repo = frame.did().map(Object::toString).orElse("-");
        out.printf("seq=%s repo=%s %s %s: %s%n", frame.seq().isPresent() ? frame.seq().getAsLong() : "-", repo,
            v.status(), cause.reason(), cause.message());
      }
    }

    void malformed(long where, String message) {
      failed++;
      types.merge("malformed", 1, Integer::sum);
      reasons.merge("MALFORMED_FRAME", 1, Integer::sum);
      out.printf("frame %d: MALFORMED_FRAME: %s%n", where, message);
    }

    void summary() {
      out.printf("summary: %d messages, %d passed, %d failed, %d ignored; types %s; reasons %s%n", count,
          count - failed - ignored, failed, ignored, types, reasons);
    }
  }
}
