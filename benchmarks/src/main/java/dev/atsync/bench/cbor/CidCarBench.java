package dev.atsync.bench.cbor;

import dev.atsync.car.CarBlock;
import dev.atsync.car.CarReader;
import dev.atsync.car.CarWriter;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cid.Cid;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** CID string parse/format and CAR reading (which includes sha2-256 verification of every block). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class CidCarBench {
  private String cidString;
  private Cid cid;
  private byte[] car;

  @Setup
  public void setup() {
    cid = Blocks.cid(new Random(5));
    cidString = cid.toString();
    List<CarBlock> blocks = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      blocks.add(CarBlock.ofDagCbor(DagCbor.encode(Blocks.post())));
      blocks.add(CarBlock.ofDagCbor(DagCbor.encode(Blocks.like())));
      blocks.add(CarBlock.ofDagCbor(DagCbor.encode(Blocks.mstNode())));
      blocks.add(CarBlock.ofDagCbor(DagCbor.encode(Blocks.commit())));
    }
    car = CarWriter.write(List.of(blocks.get(3).cid()), blocks);
    System.out.println("CAR: " + car.length + " bytes, " + blocks.size() + " blocks");
  }

  @Benchmark
  public Cid cidParse() {
    return Cid.parse(cidString);
  }

  @Benchmark
  public String cidFormat() {
    // a fresh CID each time, so the cached string form is not measured
    return Cid.decode(cid.toBytes()).toString();
  }

  @Benchmark
  public int carRead() {
    return CarReader.readAll(car).blocks().size();
  }
}
