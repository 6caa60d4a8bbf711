package dev.atsync.bench.mst;

import dev.atsync.bench.Fixtures;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.crypto.PublicKey;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.Inversion;
import dev.atsync.mst.KeyChange;
import dev.atsync.mst.Mst;
import dev.atsync.syntax.Tid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

/** MST and key hot paths on a 100,000-key repository. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = "-Xmx4g")
@State(Scope.Benchmark)
public class MstBenchmark {
  @Param({"1", "10", "200"})
  int ops;

  Mst tree;
  Map<Cid, byte[]> allBlocks;
  TreeMap<String, Cid> entries;
  List<String> fresh;
  int next;
  Cid afterRoot;
  Map<Cid, byte[]> proof;
  List<KeyChange> changes;
  List<String> changedKeys;
  Mst after;
  Map<Cid, byte[]> beforeBlocks;
  PublicKey k256;
  PublicKey p256;
  byte[] message = "a commit's unsigned bytes, more or less".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  byte[] sigK256;
  byte[] sigP256;

  @Setup(Level.Trial)
  public void setup() {
    entries = new TreeMap<>();
    Cid v = Cid.ofDagCbor(new byte[] {(byte) 0xa0});
    for (String k : Fixtures.keys(100_000)) {
      entries.put(k, v);
    }
    Mst built = Mst.build(entries, BlockSource.EMPTY);
    allBlocks = built.allNodes();
    tree = Mst.load(built.rootCid(), BlockSource.of(allBlocks));
    fresh = new ArrayList<>();
    for (int i = 0; i < 1_000_000; i++) {
      fresh.add("app.bsky.feed.post/" + Tid.of(1_800_000_000_000_000L + i * 7L, 1));
    }
    // a commit of `ops` changes: creates, updates and deletes in thirds
    List<String> existing = new ArrayList<>(entries.keySet());
    changes = new ArrayList<>();
    changedKeys = new ArrayList<>();
    Mst t = tree;
    Cid updated = Cid.ofDagCbor(new byte[] {(byte) 0xa1, 0x61, 0x61, 0x01});
    for (int i = 0; i < ops; i++) {
      if (i % 3 == 0) {
        String k = "app.bsky.feed.post/" + Tid.of(1_750_000_000_000_000L + i * 31L, 2);
        t = t.put(k, v);
        changes.add(new KeyChange(k, Optional.empty(), Optional.of(v)));
        changedKeys.add(k);
      } else if (i % 3 == 1) {
        String k = existing.get(i * 397 % existing.size());
        t = t.put(k, updated);
        changes.add(new KeyChange(k, Optional.of(v), Optional.of(updated)));
        changedKeys.add(k);
      } else {
        String k = existing.get(i * 577 % existing.size());
        t = t.delete(k);
        changes.add(new KeyChange(k, Optional.of(v), Optional.empty()));
        changedKeys.add(k);
      }
    }
    after = t;
    afterRoot = t.rootCid();
    proof = new HashMap<>(t.newBlocks(allBlocks::containsKey));
    proof.putAll(t.proofNodes(changedKeys));
    PrivateKey a = PrivateKey.generate(Curve.SECP256K1);
    PrivateKey b = PrivateKey.generate(Curve.P256);
    k256 = PublicKey.fromDidKey(a.publicKey().didKey());
    p256 = PublicKey.fromDidKey(b.publicKey().didKey());
    sigK256 = a.sign(message);
    sigP256 = b.sign(message);
  }

  /** One insert into the 100,000-key tree, including the new root CID. */
  @Benchmark
  public Cid insertInto100k() {
    String k = fresh.get(next++ % fresh.size());
    return tree.put(k, entries.firstEntry().getValue()).rootCid();
  }

  /** Bulk build of 100,000 keys with every node encoded and hashed (only with ops=1). */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Measurement(iterations = 5)
  @Warmup(iterations = 2)
  public Cid bulkBuild100k() {
    return ops == 1 ? Mst.build(entries, BlockSource.EMPTY).rootCid() : null;
  }

  /** The proof block set of a commit with {@code ops} changes. */
  @Benchmark
  public Map<Cid, byte[]> proofGeneration() {
    Map<Cid, byte[]> p = new HashMap<>(after.newBlocks(allBlocks::containsKey));
    p.putAll(after.proofNodes(changedKeys));
    return p;
  }

  /** Inversion of a commit with {@code ops} changes from its proof blocks alone (fresh partial tree each time). */
  @Benchmark
  public Cid inversion() {
    return Inversion.previousRoot(afterRoot, BlockSource.of(proof), changes);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.SECONDS)
  @BenchmarkMode(Mode.Throughput)
  public boolean verifySecp256k1() {
    return k256.verify(message, sigK256);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.SECONDS)
  @BenchmarkMode(Mode.Throughput)
  public boolean verifyP256() {
    return p256.verify(message, sigP256);
  }
}
