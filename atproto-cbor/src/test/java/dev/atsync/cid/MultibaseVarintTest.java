package dev.atsync.cid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MultibaseVarintTest {
  @Property
  void base32RoundTrip(@ForAll @Size(max = 64) byte[] b) {
    assertArrayEquals(b, Multibase.decode(Multibase.encodeBase32(b)));
    assertArrayEquals(b, Multibase.decode(Multibase.encodeBase32(b), Multibase.Encoding.BASE32));
  }

  @Property
  void base58RoundTrip(@ForAll @Size(max = 64) byte[] b) {
    assertArrayEquals(b, Multibase.decode(Multibase.encodeBase58btc(b)));
  }

  @Test
  void knownBase58() {
    assertEquals("z", Multibase.encodeBase58btc(new byte[0]));
    assertEquals("z11", Multibase.encodeBase58btc(new byte[2]));
    // "hello world" in base58btc
    assertEquals("zStV1DL6CwTryKyV", Multibase.encodeBase58btc("hello world".getBytes()));
    assertEquals("bnbswy3dp", Multibase.encodeBase32("hello".getBytes()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "x", "fdead", "bNBSWY3DP", "bnbswy3d1", "bmf", "bn", "z0", "zO", "zl", "zI"})
  void rejectsMultibase(String s) {
    assertThrows(InvalidCidException.class, () -> Multibase.decode(s));
  }

  @Test
  void wrongEncodingPrefix() {
    assertThrows(InvalidCidException.class, () -> Multibase.decode("bnbswy3dp", Multibase.Encoding.BASE58BTC));
  }

  @Property
  void varintRoundTrip(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long v) throws Exception {
    byte[] b = Varint.encode(v);
    assertEquals(Varint.length(v), b.length);
    int[] len = new int[1];
    assertEquals(v, Varint.read(b, 0, b.length, len));
    assertEquals(b.length, len[0]);
    assertEquals(v, Varint.read(new ByteArrayInputStream(b), 0));
  }

  @Test
  void knownVarints() {
    assertArrayEquals(HexFormat.of().parseHex("00"), Varint.encode(0));
    assertArrayEquals(HexFormat.of().parseHex("7f"), Varint.encode(127));
    assertArrayEquals(HexFormat.of().parseHex("8001"), Varint.encode(128));
    assertArrayEquals(HexFormat.of().parseHex("ffffffffffffffff7f"), Varint.encode(Long.MAX_VALUE));
    assertThrows(IllegalArgumentException.class, () -> Varint.encode(-1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "80", "ff", "8000", "ff00", "ffffffffffffffffff01", "ffffffffffffffff8001", "ffffffffffffffffff7f"})
  void rejectsVarint(String hex) throws Exception {
    byte[] b = HexFormat.of().parseHex(hex);
    assertThrows(InvalidCidException.class, () -> Varint.read(b, 0, b.length, new int[1]));
    if (b.length > 0) {
      assertThrows(InvalidCidException.class, () -> Varint.read(new ByteArrayInputStream(b), 0));
    }
  }

  @Test
  void streamEndBeforeVarintIsMinusOne() throws Exception {
    assertEquals(-1, Varint.read(new ByteArrayInputStream(new byte[0]), 0));
  }
}
