package dev.atsync.cbor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cid.Cid;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CborReaderTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Test
  void typedReadOfAMap() {
    Cid cid = Cid.ofDagCbor("x".getBytes(StandardCharsets.UTF_8));
    CborWriter w = new CborWriter();
    w.writeMapHeader(4);
    w.writeKey("e");
    w.writeListHeader(2);
    w.writeLong(-5);
    w.writeNull();
    w.writeKey("k");
    w.writeBytes(new byte[] {1, 2, 3});
    w.writeKey("l");
    w.writeLink(cid);
    w.writeKey("ok");
    w.writeBoolean(true);
    byte[] b = w.toByteArray();

    CborReader r = new CborReader(b);
    assertEquals(Value.Kind.MAP, r.peekKind());
    assertEquals(4, r.readMapHeader());
    assertEquals("e", r.readKey());
    assertEquals(2, r.readListHeader());
    assertEquals(-5, r.readLong());
    assertTrue(r.tryReadNull());
    assertEquals("k", r.readKey());
    assertArrayEquals(new byte[] {1, 2, 3}, r.readBytes());
    assertEquals("l", r.readKey());
    assertEquals(cid, r.readLink());
    assertEquals("ok", r.readKey());
    assertTrue(r.readBoolean());
    assertTrue(r.atEnd());
    r.requireEnd();
    assertEquals(0, r.depth());

    Value v = DagCbor.decode(b);
    assertEquals(new Value.Map(Map.of(
        "e", new Value.List(List.of(Value.of(-5), Value.NULL)),
        "k", new Value.Bytes(new byte[] {1, 2, 3}),
        "l", Value.of(cid),
        "ok", Value.TRUE)), v);
    assertArrayEquals(b, DagCbor.encode(v));
  }

  @Test
  void keyOrderCheckedEvenWhenCallerSkips() {
    // {"b":1,"a":2}: out of order; a typed caller that skips values must still be stopped
    CborReader r = new CborReader(hex("a2616201616102"));
    r.readMapHeader();
    r.readKey();
    r.skipValue();
    CborException e = assertThrows(CborException.class, r::readKey);
    assertEquals(CborException.Rule.UNSORTED_MAP_KEYS, e.rule());
  }

  @Test
  void valueWhereKeyIsDueIsRejected() {
    CborReader r = new CborReader(hex("a1616101"));
    r.readMapHeader();
    assertThrows(CborException.class, r::readLong);
  }

  @Test
  void sliceOffsetsAreAbsolute() {
    byte[] b = hex("ffff1817ff");
    CborException e = assertThrows(CborException.class,
        () -> new CborReader(b, 2, 2, 8).readLong());
    assertEquals(2, e.offset());
    CborReader ok = new CborReader(hex("ff1864ff"), 1, 2, 8);
    assertEquals(1, ok.position());
    assertEquals(100, ok.readLong());
    assertEquals(3, ok.position());
    ok.requireEnd();
  }

  @Test
  void integerExtremes() {
    assertEquals(Long.MAX_VALUE, new CborReader(hex("1b7fffffffffffffff")).readLong());
    assertEquals(Long.MIN_VALUE, new CborReader(hex("3b7fffffffffffffff")).readLong());
    assertArrayEquals(hex("3b7fffffffffffffff"), DagCbor.encode(Value.of(Long.MIN_VALUE)));
    assertArrayEquals(hex("17"), DagCbor.encode(Value.of(23)));
    assertArrayEquals(hex("1818"), DagCbor.encode(Value.of(24)));
    assertArrayEquals(hex("20"), DagCbor.encode(Value.of(-1)));
    assertArrayEquals(hex("3818"), DagCbor.encode(Value.of(-25)));
  }

  @Test
  void utf8() {
    String s = "a\u00e9\u4e2d\ud83d\ude00";
    byte[] b = DagCbor.encode(Value.of(s));
    assertEquals(s, new CborReader(b).readText());
    assertThrows(IllegalArgumentException.class, () -> DagCbor.encode(Value.of("x\ud800")));
    assertThrows(IllegalArgumentException.class, () -> DagCbor.encode(Value.of("\udc00y")));
  }

  @Test
  void emptyContainersAndNestedClose() {
    byte[] b = hex("82a080");
    CborReader r = new CborReader(b);
    assertEquals(2, r.readListHeader());
    assertEquals(1, r.depth());
    assertEquals(0, r.readMapHeader());
    assertEquals(1, r.depth());
    assertEquals(0, r.readListHeader());
    assertEquals(0, r.depth());
    r.requireEnd();
  }
}
