package dev.atsync.bench.mst;

import dev.atsync.cid.Cid;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.Mst;
import dev.atsync.mst.MstDiff;
import dev.atsync.repo.Operation;
import dev.atsync.repo.RepoPath;
import dev.atsync.syntax.Tid;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The MST's producer and relay hot paths on a 100,000-record repository: one insert, a bulk
 * build, making a commit's proof, and inverting a commit from its proof blocks alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = "-Xmx2g")
public class MstCommitBenchmark {
  static final String COLLECTION = "app.bsky.feed.post";

  static Cid record(long i) {
    return Cid.ofDagCbor(("record " + i).getBytes(StandardCharsets.UTF_8));
  }

  static String key(long i) {
    // TID record keys about 1.7 s apart, like a long-lived account's posts
    return COLLECTION + "/" + Tid.of(1_600_000_000_000_000L + i * 1_700_017L, (int) (i % 1024));
  }

  /** A 100,000-key tree, fully in memory and lazily loaded from its blocks. */
  @State(Scope.Benchmark)
  public static class Repo {
    TreeMap<String, Cid> entries;
    Map<Cid, byte[]> blocks;
    Mst tree;
    long fresh = 200_000;

    @Setup(Level.Trial)
    public void setup() {
      entries = new TreeMap<>();
      for (int i = 0; i < 100_000; i++) {
        entries.put(key(i), record(i));
      }
      Mst built = Mst.build(entries, BlockSource.EMPTY);
      blocks = built.allNodes();
      tree = Mst.load(built.rootCid(), BlockSource.of(blocks));
    }
  }

  /** A commit of {@code ops} writes (creates, updates and deletes in turn) on {@link Repo}. */
  @State(Scope.Benchmark)
  public static class Commit {
    @Param({"1", "10", "200"})
    int ops;

    List<Operation> repoOps;
    Mst after;
    Cid afterRoot;
    Map<Cid, byte[]> proof;

    @Setup(Level.Trial)
    public void setup(Repo repo) {
      Random rnd = new Random(42);
      List<String> existing = new ArrayList<>(repo.entries.keySet());
      repoOps = new ArrayList<>();
      java.util.Set<String> used = new java.util.HashSet<>();
      for (int i = 0; i < ops; i++) {
        String k;
        if (i % 3 == 0) {
          k = key(100_000 + i);
          repoOps.add(Operation.create(RepoPath.parse(k), record(-1 - i)));
        } else {
          do {
            k = existing.get(rnd.nextInt(existing.size()));
          } while (!used.add(k));
          Optional<Cid> old = Optional.of(repo.entries.get(k));
          repoOps.add(i % 3 == 1
              ? new Operation(RepoPath.parse(k), Optional.of(record(-1 - i)), old)
              : new Operation(RepoPath.parse(k), Optional.empty(), old));
        }
      }
      after = apply(repo.tree, repoOps);
      afterRoot = after.rootCid();
      proof = prove(after, repo.blocks, repoOps);
    }
  }

  static Mst apply(Mst tree, List<Operation> ops) {
    Mst t = tree;
    for (Operation op : ops) {
      t = op.cid().isPresent() ? t.put(op.path().toString(), op.cid().get()) : t.delete(op.path().toString());
    }
    return t;
  }

  static Map<Cid, byte[]> prove(Mst after, Map<Cid, byte[]> known, List<Operation> ops) {
    Map<Cid, byte[]> p = new HashMap<>(after.newBlocks(known::containsKey));
    List<String> paths = new ArrayList<>(ops.size());
    for (Operation op : ops) {
      paths.add(op.path().toString());
    }
    p.putAll(after.proofNodes(paths));
    return p;
  }

  /** One new key into the 100,000-key tree, with the new root CID. */
  @Benchmark
  public Cid insertInto100k(Repo repo) {
    long i = repo.fresh++;
    return repo.tree.put(key(i), record(i)).rootCid();
  }

  /** Build a 100,000-key tree from sorted entries and hash every node. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2)
  @Measurement(iterations = 5)
  public Cid bulkBuild100k(Repo repo) {
    return Mst.build(repo.entries, BlockSource.EMPTY).rootCid();
  }

  /** A producer's commit: apply the writes, hash the new root, collect the proof blocks. */
  @Benchmark
  public Map<Cid, byte[]> commitWithProof(Repo repo, Commit c) {
    Mst after = apply(repo.tree, c.repoOps);
    after.rootCid();
    return prove(after, repo.blocks, c.repoOps);
  }

  /** A relay's check: invert the commit from its proof blocks alone (fresh partial tree each time). */
  @Benchmark
  public Cid inversion(Commit c) {
    return Operation.invert(Mst.load(c.afterRoot, BlockSource.of(c.proof)), c.repoOps).rootCid();
  }

  /** Diff of the tree before and after the commit. */
  @Benchmark
  public MstDiff diffAfterCommit(Repo repo, Commit c) {
    return Mst.diff(repo.tree, c.after);
  }
}
