package dev.atsync.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InvalidFrameException;
import dev.atsync.firehose.StreamError;
import dev.atsync.firehose.verify.Action;
import dev.atsync.firehose.verify.CommitVerifier;
import dev.atsync.firehose.verify.Finding;
import dev.atsync.firehose.verify.Policy;
import dev.atsync.firehose.verify.Reason;
import dev.atsync.firehose.verify.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atsync verify}: checks a stream (live, or a frames file) the way a strict Sync v1.1 relay would. */
@Command(name = "verify", sortOptions = false, showDefaultValues = true,
    description = {"Check a subscribeRepos stream, live or from a file of frames (atsync capture), the way a strict"
        + " Sync v1.1 relay would: frame structure, CAR, commit, ops, records, inversion, the chain per account,"
        + " increasing seq, and (unless --no-signatures) each commit's signature against the account's current"
        + " key. Prints every finding and a summary."},
    footer = {"", "Exit codes: 0 every message valid (or stale, which relays skip), 1 any invalid or discontinuous,"
        + " 2 usage or connection error.",
        "Examples:", "  atsync verify wss://pds.example.com --cursor 0 --limit 1000",
        "  atsync verify frames.bin --policy indigo --json"})
final class VerifyCommand implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The policies {@code --policy} offers. */
  enum PolicyName {
    strict(Policy.STRICT), indigo(Policy.INDIGO_COMPAT), lenient(Policy.LENIENT);

    final Policy policy;

    PolicyName(Policy policy) {
      this.policy = policy;
    }
  }

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SOURCE",
      description = "a stream (wss://host, https://host, ws://host:port or a full subscribeRepos URL) or a frames file")
  String source;

  @Mixin
  LiveStream.Options stream;

  @Option(names = "--policy", defaultValue = "strict", paramLabel = "POLICY",
      description = "strict (the spec), indigo (what the Go relay drops) or lenient (report only)")
  PolicyName policy;

  @Mixin
  Identities.Options identity;

  @Option(names = "--no-signatures", description = "do not check commit signatures (no identity resolution)")
  boolean noSignatures;

  @Option(names = "--json", description = "one JSON object per finding, then a summary object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    CommitVerifier.Builder v = CommitVerifier.builder().policy(policy.policy);
    if (noSignatures) {
      v.unauthenticated();
    } else {
      v.keys(identity.keySource());
    }
    Report report = new Report(v.build(), spec.commandLine().getOut(), json);
    if (source.contains("://")) {
      java.net.URI url = StreamUrls.subscribeRepos(source);
      // interrupted (Ctrl-C, SIGTERM): the findings so far still get their summary
      Thread summaryOnExit = new Thread(report::summaryOnce, "atsync-verify-summary");
      Runtime.getRuntime().addShutdownHook(summaryOnExit);
      try {
        LiveStream.run(url, stream, report);
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(summaryOnExit);
        } catch (IllegalStateException e) {
          // already shutting down: the hook prints the summary
        }
      }
    } else {
      if (stream.cursor != null || stream.duration != null) {
        throw new CliException(Atsync.USAGE, "--cursor and --duration are for streams, not files");
      }
      Path file = Path.of(source);
      if (!Files.isRegularFile(file)) {
        throw new CliException(Atsync.USAGE, source + " is neither a URL nor a readable file");
      }
      long limit = stream.limit();
      try (FrameFile.Reader in = new FrameFile.Reader(Files.newInputStream(file), source)) {
        byte[] frame;
        while (report.count < limit) {
          long at = in.offset();
          try {
            frame = in.next();
          } catch (IOException e) {
            report.malformed("byte " + at, e.getMessage());
            break;
          }
          if (frame == null) {
            break;
          }
          report.accept(frame, at + 4);
        }
      }
    }
    report.summaryOnce();
    return report.failed() == 0 ? 0 : Atsync.INVALID;
  }

  /** Counts verdicts and prints findings. */
  static final class Report implements LiveStream.Sink {
    final CommitVerifier verifier;
    final PrintWriter out;
    final boolean json;
    final Map<String, Long> types = new TreeMap<>();
    final Map<String, Long> reasons = new TreeMap<>();
    long count;
    long failed;
    long ignored;
    long signatures;
    private boolean summarised;

    Report(CommitVerifier verifier, PrintWriter out, boolean json) {
      this.verifier = verifier;
      this.out = out;
      this.json = json;
    }

    /**
     * One frame of a frames file; a frame that does not decode is a finding naming where it starts
     * in the file and the decoder's reason and offset in the frame, and reading goes on with the
     * next record (the file's own lengths keep the records apart).
     */
    synchronized void accept(byte[] bytes, long fileOffset) {
      Frame frame;
      try {
        frame = Frame.decode(bytes);
      } catch (InvalidFrameException e) {
        count++;
        malformed("frame " + count + " (file byte " + fileOffset + (e.offset() >= 0 ? ", frame byte " + e.offset()
            : "") + ")", e.getMessage());
        return;
      }
      if (frame.isError()) {
        count++;
        types.merge("error", 1L, Long::sum);
        error(frame.error());
        return;
      }
      frame(frame);
    }

    @Override
    public synchronized void frame(Frame frame) {
      count++;
      types.merge(frame.type().orElse("?"), 1L, Long::sum);
      Verdict v = verifier.verify(frame);
      if (v.signatureChecked()) {
        signatures++;
      }
      if (v.status() == Verdict.Status.IGNORED) {
        ignored++;
      } else if (v.status() != Verdict.Status.VALID) {
        failed++;
      }
      for (Finding f : v.findings()) {
        reasons.merge(f.reason().name(), 1L, Long::sum);
        finding(frame, v.status().name(), f.reason().name(), f.action().name(), f.message());
      }
    }

    @Override
    public synchronized void staleSeq(Frame frame, long lastSeq) {
      count++;
      failed++;
      types.merge(frame.type().orElse("?"), 1L, Long::sum);
      reasons.merge(Reason.SEQ_NOT_INCREASING.name(), 1L, Long::sum);
      finding(frame, Verdict.Status.INVALID.name(), Reason.SEQ_NOT_INCREASING.name(), Action.DROP.name(),
          "seq " + frame.seq().orElse(-1) + " is not above the previous seq " + lastSeq);
    }

    @Override
    public synchronized void streamError(StreamError error) {
      count++;
      types.merge("error", 1L, Long::sum);
      error(error);
    }

    private void error(StreamError error) {
      if (json) {
        ObjectNode n = JSON.createObjectNode().put("kind", "error-frame").put("error", error.error());
        error.message().ifPresent(m -> n.put("message", m));
        out.println(n);
      } else {
        out.println("error frame: " + error.error() + error.message().map(m -> ": " + m).orElse(""));
      }
    }

    synchronized void malformed(String where, String message) {
      failed++;
      types.merge("malformed", 1L, Long::sum);
      reasons.merge(Reason.MALFORMED_FRAME.name(), 1L, Long::sum);
      if (json) {
        out.println(JSON.createObjectNode().put("kind", "finding").put("at", where).put("status", "INVALID")
            .put("reason", Reason.MALFORMED_FRAME.name()).put("action", Action.DROP.name()).put("message", message));
      } else {
        out.println(where + ": INVALID MALFORMED_FRAME: " + message);
      }
    }

    private void finding(Frame frame, String status, String reason, String action, String message) {
      String seq = frame.seq().isPresent() ? String.valueOf(frame.seq().getAsLong()) : null;
      String repo = frame.did().map(Object::toString).orElse(null);
      if (json) {
        ObjectNode n = JSON.createObjectNode().put("kind", "finding");
        if (seq != null) {
          n.put("seq", frame.seq().getAsLong());
        }
        n.put("type", frame.type().orElse("?"));
        if (repo != null) {
          n.put("repo", repo);
        }
        out.println(n.put("status", status).put("reason", reason).put("action", action).put("message", message));
      } else {
        out.printf("seq=%s repo=%s %s %s %s: %s%n", seq == null ? "-" : seq, repo == null ? "-" : repo,
            frame.type().orElse("?"), status, reason, message);
      }
    }

    synchronized long failed() {
      return failed;
    }

    /** Prints the summary, once (the end of the run and a shutdown hook may both ask). */
    synchronized void summaryOnce() {
      if (summarised) {
        return;
      }
      summarised = true;
      if (json) {
        ObjectNode n = JSON.createObjectNode().put("kind", "summary").put("messages", count)
            .put("valid", count - failed - ignored).put("invalid", failed).put("ignored", ignored)
            .put("signaturesChecked", signatures);
        n.set("types", JSON.valueToTree(types));
        n.set("reasons", JSON.valueToTree(reasons));
        out.println(n);
      } else {
        out.printf("summary: %d messages, %d valid, %d invalid, %d ignored (stale), %d signatures checked; types %s;"
            + " findings %s%n", count, count - failed - ignored, failed, ignored, signatures, types, reasons);
      }
      out.flush();
    }
  }
}
