package dev.atsync.examples;

import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.relay.ingest.InverterClient;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.CommitResult;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.TidClock;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The same publishing as {@link EmbeddedPds}, but to a standalone inverter over HTTP with the
 * atproto-relay-client {@code InverterClient} (bearer token, batching, safe retries).
 *
 * <pre>java -cp examples/target/atsync-examples.jar dev.atsync.examples.PostToInverter http://127.0.0.1:2471 TOKEN [records]</pre>
 */
public final class PostToInverter {
  private PostToInverter() {}

  /** Runs the example; exit code 0 when every commit was acknowledged with a seq. */
  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: PostToInverter <inverter ingest URL> <token> [records]");
      System.exit(2);
    }
    System.exit(run(args[0], args[1], args.length > 2 ? Integer.parseInt(args[2]) : 10, System.out));
  }

  static int run(String baseUrl, String token, int records, PrintStream out) {
    Repository repo = Repository.create(Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz"), PrivateKey.generate(Curve.P256),
        BlockStore.inMemory());
    TidClock rkeys = new TidClock();
    InverterClient client = InverterClient.builder().baseUrl(baseUrl).token(token).build();
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      CommitResult c = repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + rkeys.next().toString()),
          EmbeddedPds.post("posted over HTTP #" + i))));
      frames.add(CommitEvent.of(c, 0, Instant.now()).toFrame().bytes());
    }
    List<Long> seqs = client.postBatch(frames);
    out.printf("inverter acknowledged %d commits with seqs %s%n", seqs.size(), seqs);
    return seqs.size() == records ? 0 : 1;
  }
}
