package dev.atsync.bench.cbor;

import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.CborWriter;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Value;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Strict DAG-CBOR decode (generic and validate-only) and canonical encode of realistic blocks.
 * Throughput in ops/s; MB/s = ops/s x block size (sizes printed at setup and listed in the
 * benchmarks README).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class CborCodecBench {
  @Param({"post", "like", "mstNode", "commit"})
  public String block;

  private Value value;
  private byte[] bytes;
  private final CborWriter writer = new CborWriter(1024);

  @Setup
  public void setup() {
    value = Blocks.byName(block);
    bytes = DagCbor.encode(value);
    System.out.println("block " + block + ": " + bytes.length + " bytes");
  }

  @Benchmark
  public Value decode() {
    return DagCbor.decode(bytes);
  }

  @Benchmark
  public int validateOnly() {
    CborReader r = new CborReader(bytes);
    r.skipValue();
    r.requireEnd();
    return r.position();
  }

  @Benchmark
  public byte[] encode() {
    return DagCbor.encode(value);
  }

  @Benchmark
  public int encodeReusedWriter() {
    writer.reset();
    writer.writeValue(value);
    return writer.size();
  }
}
