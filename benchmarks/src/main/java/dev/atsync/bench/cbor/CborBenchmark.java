package dev.atsync.bench.cbor;

import dev.atsync.bench.Fixtures;
import dev.atsync.car.CarReader;
import dev.atsync.car.CarWriter;
import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import dev.atsync.repo.Commit;
import java.util.LinkedHashMap;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Strict decode and canonical encode of realistic blocks. Throughput is blocks per second;
 * MB/s = ops/s x {@code bytes} (printed at setup) / 1e6.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class CborBenchmark {
  @Param({"post", "like", "mstNode", "commit"})
  String block;

  byte[] bytes;
  Value value;
  byte[] car;
  Cid cid;
  String cidString;

  @Setup(Level.Trial)
  public void setup() {
    switch (block) {
      case "post":
        bytes = DagCbor.encode(Fixtures.post());
        break;
      case "like":
        bytes = DagCbor.encode(Fixtures.like());
        break;
      case "mstNode":
        bytes = Fixtures.mstNode();
        break;
      default:
        bytes = Fixtures.commitBlock();
    }
    value = DagCbor.decode(bytes);
    Map<Cid, byte[]> blocks = new LinkedHashMap<>();
    for (byte[] b : Fixtures.tree(5_000).allNodes().values()) {
      blocks.put(Cid.ofDagCbor(b), b);
    }
    cid = blocks.keySet().iterator().next();
    cidString = cid.toString();
    car = CarWriter.toBytes(cid, blocks);
    System.out.println("# " + block + ": " + bytes.length + " bytes; CAR " + car.length + " bytes");
  }

  @Benchmark
  public Value decode() {
    return DagCbor.decode(bytes);
  }

  @Benchmark
  public byte[] encode() {
    return DagCbor.encode(value);
  }

  /** Validating every item without building values: the floor under typed decoders. */
  @Benchmark
  public int skim() {
    CborReader r = new CborReader(bytes);
    r.skipValue();
    r.requireEnd();
    return r.position();
  }

  @Benchmark
  public Cid cidParse() {
    return Cid.parse(cidString);
  }

  @Benchmark
  public String cidFormat() {
    return Cid.decode(cid.toBytes()).toString();
  }

  /** Reading a CAR of a 5,000-key tree's nodes (hash-checking each block). */
  @Benchmark
  public void carRead(Blackhole bh) {
    if (!block.equals("post")) {
      return;
    }
    bh.consume(CarReader.readAll(car, CarReader.Limits.DEFAULT));
  }

  /** Typed decode of the commit block into a record, against the generic decode above. */
  @Benchmark
  public Object typedCommitDecode() {
    return block.equals("commit") ? Commit.decode(bytes) : null;
  }
}
