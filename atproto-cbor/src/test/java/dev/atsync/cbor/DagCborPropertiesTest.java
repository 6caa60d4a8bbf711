package dev.atsync.cbor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atsync.cid.Cid;
import java.util.LinkedHashMap;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

public class DagCborPropertiesTest {

  @Property
  void decodeOfEncodeIsIdentity(@ForAll("values") Value v) {
    byte[] b = DagCbor.encode(v);
    assertEquals(v, DagCbor.decode(b));
  }

  @Property
  void encodeOfDecodeIsIdentity(@ForAll("values") Value v) {
    byte[] b = DagCbor.encode(v);
    assertArrayEquals(b, DagCbor.encode(DagCbor.decode(b)));
  }

  @Property
  void skipValueConsumesExactlyOneValue(@ForAll("values") Value v) {
    byte[] b = DagCbor.encode(v);
    CborReader r = new CborReader(b);
    r.skipValue();
    r.requireEnd();
  }

  @Property(tries = 3000)
  void mutatedEncodingIsAcceptedCanonicallyOrRejectedCleanly(
      @ForAll("values") Value v, @ForAll("mutations") int[] m) {
    byte[] b = mutate(DagCbor.encode(v), m);
    Value decoded;
    try {
      decoded = DagCbor.decode(b);
    } catch (CborException expected) {
      return;
    }
    assertArrayEquals(b, DagCbor.encode(decoded));
  }

  public static byte[] mutate(byte[] b, int[] m) {
    int kind = m[0];
    int at = Math.floorMod(m[1], b.length + 1);
    byte val = (byte) m[2];
    switch (kind) {
      case 0: // flip
        if (at < b.length) {
          b = b.clone();
          b[at] ^= (byte) (1 << (m[2] & 7));
        }
        return b;
      case 1: { // insert
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, at);
        out[at] = val;
        System.arraycopy(b, at, out, at + 1, b.length - at);
        return out;
      }
      case 2: // delete
        if (at < b.length) {
          byte[] out = new byte[b.length - 1];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(b, at + 1, out, at, b.length - at - 1);
          return out;
        }
        return b;
      default: // overwrite
        if (at < b.length) {
          b = b.clone();
          b[at] = val;
        }
        return b;
    }
  }

  @Provide
  Arbitrary<int[]> mutations() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.integers(),
            Arbitraries.integers().between(0, 255))
        .as((a, b, c) -> new int[] {a, b, c});
  }

  @Provide
  Arbitrary<Value> values() {
    return value(3);
  }

  static Arbitrary<Value> value(int depth) {
    Arbitrary<Value> leaf = Arbitraries.oneOf(
        Arbitraries.just(Value.NULL),
        Arbitraries.of(Value.TRUE, Value.FALSE),
        Arbitraries.longs().map(Value::of),
        Arbitraries.longs().between(-30, 300).map(Value::of),
        text().map(Value::of),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(Value.Bytes::new),
        Arbitraries.bytes().array(byte[].class).ofSize(32)
            .map(d -> (Value) Value.of(Cid.ofDigest(d[0] % 2 == 0 ? Cid.Codec.DAG_CBOR : Cid.Codec.RAW, d))));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<Value> child = Arbitraries.lazy(() -> value(depth - 1));
    Arbitrary<Value> list = child.list().ofMaxSize(5).map(l -> (Value) new Value.List(l));
    Arbitrary<Value> map = Arbitraries.maps(text(), child).ofMaxSize(5)
        .map(m -> (Value) new Value.Map(new LinkedHashMap<>(m)));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, leaf), net.jqwik.api.Tuple.of(1, list), net.jqwik.api.Tuple.of(1, map));
  }

  static Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(12),
        Arbitraries.strings().withCharRange('a', 'e').ofMaxLength(3),
        Arbitraries.integers().between(0x10000, 0x10FFFF).list().ofMaxSize(3)
            .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size())))
        .filter(DagCborPropertiesTest::wellFormed);
  }

  static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  @Property
  void emptyContainers(@ForAll("values") Value v) {
    Value wrapped = new Value.List(List.of(new Value.List(List.of()), new Value.Map(java.util.Map.of()), v));
    assertEquals(wrapped, DagCbor.decode(DagCbor.encode(wrapped)));
  }
}
