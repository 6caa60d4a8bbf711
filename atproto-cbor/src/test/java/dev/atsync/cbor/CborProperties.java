package dev.atsync.cbor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atsync.cid.Cid;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of the codec over generated data-model values and mutated encodings. */
class CborProperties {

  @Property
  void decodeInvertsEncode(@ForAll("values") Value v) {
    byte[] b = DagCbor.encode(v);
    assertEquals(v, DagCbor.decode(b));
  }

  @Property
  void acceptedInputReEncodesToItself(@ForAll("values") Value v) {
    byte[] b = DagCbor.encode(v);
    assertArrayEquals(b, DagCbor.encode(DagCbor.decode(b)));
  }

  @Property
  void mapOrderIsCanonicalWhateverTheInsertionOrder(@ForAll("keys") List<String> keys) {
    Map<String, Value> forward = new LinkedHashMap<>();
    Map<String, Value> backward = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      forward.put(keys.get(i), Value.of(i));
    }
    for (int i = keys.size() - 1; i >= 0; i--) {
      backward.put(keys.get(i), forward.get(keys.get(i)));
    }
    assertArrayEquals(DagCbor.encode(new Value.Map(forward)), DagCbor.encode(new Value.Map(backward)));
  }

  /**
   * A mutated valid encoding is either accepted and then re-encodes to exactly itself, or rejected
   * with {@link CborException}: never another exception, a hang or an allocation bomb.
   */
  @Property(tries = 3000)
  void mutationsAreAcceptedCanonicallyOrRejectedCleanly(@ForAll("values") Value v,
      @ForAll("mutations") List<int[]> mutations) {
    byte[] b = DagCbor.encode(v);
    for (int[] m : mutations) {
      b = apply(b, m);
    }
    byte[] input = b;
    try {
      Value decoded = DagCbor.decode(input);
      assertArrayEquals(input, DagCbor.encode(decoded), "accepted input must be canonical");
    } catch (CborException expected) {
      // rejected with the typed exception: fine
    }
  }

  static byte[] apply(byte[] b, int[] m) {
    if (b.length == 0) {
      return new byte[] {(byte) m[2]};
    }
    int at = Math.floorMod(m[1], b.length);
    switch (m[0]) {
      case 0: {
        byte[] c = b.clone();
        c[at] = (byte) m[2];
        return c;
      }
      case 1: {
        byte[] c = b.clone();
        c[at] ^= (byte) (1 << (m[2] & 7));
        return c;
      }
      case 2: {
        byte[] c = new byte[b.length + 1];
        System.arraycopy(b, 0, c, 0, at);
        c[at] = (byte) m[2];
        System.arraycopy(b, at, c, at + 1, b.length - at);
        return c;
      }
      default: {
        byte[] c = new byte[b.length - 1];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(b, at + 1, c, at, b.length - at - 1);
        return c;
      }
    }
  }

  @Provide
  Arbitrary<List<int[]>> mutations() {
    Arbitrary<int[]> one = Combinators.combine(Arbitraries.integers().between(0, 3),
        Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 255))
        .as((kind, at, val) -> new int[] {kind, at, val});
    return one.list().ofMinSize(1).ofMaxSize(3);
  }

  @Provide
  Arbitrary<List<String>> keys() {
    return validText().list().uniqueElements().ofMaxSize(12);
  }

  static Arbitrary<String> text() {
    // ASCII, Latin-1, BMP and astral characters; surrogates only in valid pairs
    return Arbitraries.strings().withCharRange('a', 'e').withCharRange(' ', '~').withCharRange('\u00a0', '\u00ff')
        .withCharRange('\u4e00', '\u4e10').withChars('\ud83d').ofMaxLength(30)
        .edgeCases(c -> c.add(""));
  }

  static Arbitrary<String> validText() {
    return Arbitraries.oneOf(text().filter(s -> s.indexOf('\ud83d') < 0),
        Arbitraries.of("😀", "a😀b", "👩‍👩‍👧", "\u0000", "日本語", "x".repeat(300)));
  }

  @Provide
  Arbitrary<Value> values() {
    return value(4);
  }

  static Arbitrary<Value> value(int depth) {
    Arbitrary<Value> scalar = Arbitraries.oneOf(
        Arbitraries.just(Value.NULL),
        Arbitraries.of(Value.TRUE, Value.FALSE),
        Arbitraries.longs().edgeCases(c -> c.add(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L, 23L, 24L, -24L, -25L,
            255L, 256L, 65535L, 65536L, 4294967295L, 4294967296L)).map(Value::of),
        validText().map(Value::of),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(70).map(Value.Bytes::new),
        Arbitraries.bytes().array(byte[].class).ofSize(8).map(b -> (Value) Value.of(Cid.ofDagCbor(b))));
    if (depth == 0) {
      return scalar;
    }
    Arbitrary<Value> child = Arbitraries.lazy(() -> value(depth - 1));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, scalar),
        net.jqwik.api.Tuple.of(2, child.list().ofMaxSize(5).map(l -> (Value) new Value.List(l))),
        net.jqwik.api.Tuple.of(2, Arbitraries.maps(validText(), child).ofMaxSize(5)
            .map(m -> (Value) new Value.Map(m))));
  }
}
