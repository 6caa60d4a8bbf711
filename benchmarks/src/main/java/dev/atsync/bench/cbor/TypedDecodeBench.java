package dev.atsync.bench.cbor;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Value;
import dev.atsync.cbor.jackson.DagCborMapper;
import dev.atsync.cid.Cid;
import java.util.ArrayList;
import java.util.List;
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

/**
 * Generic {@link DagCbor#decode} versus typed decode with {@link CborReader} (an MST node into
 * small records), and strict decoding of a like record versus Jackson data binding.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class TypedDecodeBench {
  /** An MST entry. */
  public record Entry(int prefixLen, byte[] keySuffix, Cid tree, Cid value) {}

  /** An MST node. */
  public record Node(Cid left, List<Entry> entries) {}

  /** com.atproto.repo.strongRef. */
  public record StrongRef(String uri, Cid cid) {}

  /** app.bsky.feed.like. */
  public record Like(@com.fasterxml.jackson.annotation.JsonProperty("$type") String type,
      StrongRef subject, String createdAt) {}

  private byte[] node;
  private byte[] like;
  private final DagCborMapper strictMapper = new DagCborMapper();
  private final ObjectMapper lenient = DagCborMapper.lenientCborMapper();

  @Setup
  public void setup() {
    node = DagCbor.encode(Blocks.mstNode());
    like = DagCbor.encode(Blocks.like());
  }

  @Benchmark
  public Value mstGeneric() {
    return DagCbor.decode(node);
  }

  @Benchmark
  public Node mstTyped() {
    CborReader r = new CborReader(node);
    Cid left = null;
    List<Entry> entries = List.of();
    int n = r.readMapHeader();
    for (int i = 0; i < n; i++) {
      String k = r.readKey();
      if (k.equals("e")) {
        int count = r.readListHeader();
        entries = new ArrayList<>(count);
        for (int j = 0; j < count; j++) {
          entries.add(readEntry(r));
        }
      } else if (k.equals("l")) {
        left = r.tryReadNull() ? null : r.readLink();
      } else {
        r.skipValue();
      }
    }
    r.requireEnd();
    return new Node(left, entries);
  }

  private static Entry readEntry(CborReader r) {
    int n = r.readMapHeader();
    int p = 0;
    byte[] k = null;
    Cid t = null;
    Cid v = null;
    for (int i = 0; i < n; i++) {
      String key = r.readKey();
      switch (key) {
        case "k":
          k = r.readBytes();
          break;
        case "p":
          p = (int) r.readLong();
          break;
        case "t":
          t = r.tryReadNull() ? null : r.readLink();
          break;
        case "v":
          v = r.readLink();
          break;
        default:
          r.skipValue();
      }
    }
    return new Entry(p, k, t, v);
  }

  @Benchmark
  public Like likeTypedStrict() {
    CborReader r = new CborReader(like);
    String type = null;
    String createdAt = null;
    StrongRef subject = null;
    int n = r.readMapHeader();
    for (int i = 0; i < n; i++) {
      String k = r.readKey();
      switch (k) {
        case "$type":
          type = r.readText();
          break;
        case "createdAt":
          createdAt = r.readText();
          break;
        case "subject": {
          int m = r.readMapHeader();
          String uri = null;
          Cid cid = null;
          for (int j = 0; j < m; j++) {
            String sk = r.readKey();
            if (sk.equals("cid")) {
              cid = r.readLink();
            } else if (sk.equals("uri")) {
              uri = r.readText();
            } else {
              r.skipValue();
            }
          }
          subject = new StrongRef(uri, cid);
          break;
        }
        default:
          r.skipValue();
      }
    }
    r.requireEnd();
    return new Like(type, subject, createdAt);
  }

  @Benchmark
  public Value likeGenericStrict() {
    return DagCbor.decode(like);
  }

  @Benchmark
  public Like likeJacksonLenient() throws Exception {
    return lenient.readValue(like, Like.class);
  }

  @Benchmark
  public Like likeJacksonStrictViaValue() {
    return strictMapper.decode(like, Like.class);
  }
}
