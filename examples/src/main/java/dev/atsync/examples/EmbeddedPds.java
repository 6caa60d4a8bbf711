package dev.atsync.examples;

import dev.atsync.cbor.Value;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.subscribe.FirehoseSubscriber;
import dev.atsync.firehose.verify.CommitVerifier;
import dev.atsync.firehose.identity.KeySource;
import dev.atsync.firehose.verify.Verdict;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.CommitResult;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.TidClock;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal Java "PDS": keeps a repository with atproto-mst, writes records, and publishes Sync
 * v1.1 {@code #commit} events through an inverter embedded in the same process. A relay-like
 * subscriber on 127.0.0.1 verifies every commit it receives, signature included.
 *
 * <pre>java -cp examples/target/atsync-examples.jar dev.atsync.examples.EmbeddedPds [records]</pre>
 */
public final class EmbeddedPds {
  private EmbeddedPds() {}

  /** Runs the example; exit code 0 when every published commit arrived and verified. */
  public static void main(String[] args) throws Exception {
    System.exit(run(args.length > 0 ? Integer.parseInt(args[0]) : 10, System.out));
  }

  static Value.Map post(String text) {
    return new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of(text),
        "createdAt", Value.of(Instant.now().toString())));
  }

  static int run(int records, PrintStream out) throws Exception {
    Did did = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    PrivateKey key = PrivateKey.generate(Curve.SECP256K1);
    Repository repo = Repository.create(did, key, BlockStore.inMemory());
    TidClock rkeys = new TidClock();
    try (Inverter inverter = Inverter.builder().log(EventLog.inMemory())
        .publicAddress(new InetSocketAddress("127.0.0.1", 0)).inProcessIngestOnly().build().start()) {
      // the relay side: the toolkit's own subscriber, from the start of the stream, so nothing
      // published before its connection completes is missed
      CommitVerifier verifier = CommitVerifier.builder().keys(KeySource.of(Map.of(did, key.publicKey()))).build();
      AtomicInteger ok = new AtomicInteger();
      CountDownLatch all = new CountDownLatch(records);
      try (FirehoseSubscriber relay = FirehoseSubscriber.builder(URI.create("ws://127.0.0.1:" + inverter.publicPort()
          + "/xrpc/com.atproto.sync.subscribeRepos"))
          .cursor(0).handler(frame -> {
            Verdict v = verifier.verify(frame);
            if (v.status() == Verdict.Status.VALID) {
              ok.incrementAndGet();
            } else {
              out.println("not valid: " + v);
            }
            all.countDown();
          }).build()) {
        relay.start();
        for (int i = 0; i < records; i++) {
          CommitResult c = repo.apply(List.of(Write.create(
              RepoPath.parse("app.bsky.feed.post/" + rkeys.next().toString()),
              post("hello from the embedded PDS #" + i))));
          long seq = inverter.publish(CommitEvent.of(c, Instant.now())).get(0);
          out.printf("published rev %s as seq %d%n", c.rev(), seq);
        }
        all.await(10, TimeUnit.SECONDS);
      }
      out.printf("relay received and verified %d of %d commits%n", ok.get(), records);
      return ok.get() == records ? 0 : 1;
    }
  }
}
