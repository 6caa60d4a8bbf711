package dev.atsync.bench.firehose;

import dev.atsync.bench.Fixtures;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.StreamEvent;
import dev.atsync.firehose.verify.CommitVerifier;
import dev.atsync.firehose.identity.KeySource;
import dev.atsync.firehose.verify.Verdict;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Frames decoded per second and fully verified commits per second (decode, CAR, commit,
 * signature, ops in tree, records canonical, inversion) on a realistic mix: commits of 1 to 5
 * posts, likes, updates and deletes on a 10,000-record repository, signed with secp256k1.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = "-Xmx4g")
@State(Scope.Benchmark)
public class FirehoseBenchmark {
  List<byte[]> frames;
  List<StreamEvent> events;
  CommitVerifier verifier;
  int next;

  @Setup(Level.Trial)
  public void setup() {
    PrivateKey key = PrivateKey.generate(Curve.SECP256K1);
    Repository repo = Repository.create(Fixtures.DID, key, BlockStore.inMemory());
    List<String> keys = Fixtures.keys(10_000);
    for (int from = 0; from < keys.size(); from += 200) {
      List<Write> w = new ArrayList<>();
      for (String k : keys.subList(from, from + 200)) {
        w.add(Write.create(RepoPath.parse(k), k.contains("like") ? Fixtures.like() : Fixtures.post()));
      }
      repo.apply(w);
    }
    frames = new ArrayList<>();
    events = new ArrayList<>();
    for (int c = 0; c < 500; c++) {
      List<Write> w = new ArrayList<>();
      int n = 1 + c % 5;
      for (int i = 0; i < n; i++) {
        w.add(Write.create(RepoPath.parse((i % 2 == 0 ? "app.bsky.feed.post" : "app.bsky.feed.like") + "/n" + c + "x" + i),
            i % 2 == 0 ? Fixtures.post() : Fixtures.like()));
      }
      if (c % 7 == 0) {
        w.add(Write.delete(RepoPath.parse(keys.get(c * 13))));
      }
      CommitEvent e = CommitEvent.of(repo.apply(w), c, Instant.now());
      frames.add(e.toFrame().bytes());
      events.add(e);
    }
    // the frames are replayed in a cycle: no chain or seq checks, or every round after the first would be stale
    verifier = CommitVerifier.builder().withoutChainChecks().withoutSeqCheck()
        .keys(KeySource.of(Map.of(Fixtures.DID, key.publicKey()))).build();
    long total = frames.stream().mapToLong(f -> f.length).sum();
    System.out.println("# mean frame " + total / frames.size() + " bytes");
  }

  /** Frame decode: header, body index, and the typed #commit message. */
  @Benchmark
  public StreamEvent decodeFrame() {
    return Frame.decode(frames.get(next++ % frames.size())).event();
  }

  /** Full verification of one commit from its frame bytes. */
  @Benchmark
  public Verdict verifyCommit() {
    return verifier.verify(Frame.decode(frames.get(next++ % frames.size())));
  }
}
