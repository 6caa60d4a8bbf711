package dev.atsync.cid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.atsync.interop.InteropFiles;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class CidTest {
  // dag-cbor CID of the empty map, as every implementation computes it
  static final String EMPTY_MAP = "bafyreigbtj4x7ip5legnfznufuopl4sg4knzc2cof6duas4b3q2fy6swua";

  @Test
  void computesParsesAndFormats() {
    Cid c = Cid.ofDagCbor(new byte[] {(byte) 0xa0});
    assertEquals(EMPTY_MAP, c.toString());
    assertEquals(c, Cid.parse(EMPTY_MAP));
    assertEquals(c, Cid.decode(c.toBytes()));
    assertEquals(Cid.Codec.DAG_CBOR, c.codec());
    assertTrue(c.matches(new byte[] {(byte) 0xa0}));
    assertFalse(c.matches(new byte[] {(byte) 0xa1}));
    Cid raw = Cid.compute(Cid.Codec.RAW, "hello".getBytes(StandardCharsets.UTF_8));
    assertEquals(Cid.Codec.RAW, raw.codec());
    assertTrue(raw.toString().startsWith("bafkrei"));
    assertEquals(raw, Cid.parse(raw.toString()));
  }

  @Test
  void rejectsWhatAtprotoDoesNotUse() {
    byte[] ok = Cid.ofDagCbor(new byte[] {1}).toBytes();
    assertRejects(bytes("00711220", ok), "version");
    assertRejects(bytes("01701220", ok), "codec 0x70");
    assertRejects(bytes("01711320", ok), "multihash 0x13");
    assertRejects(bytes("01711210", ok), "digest length");
    assertRejects(HexFormat.of().parseHex("1220" + "00".repeat(32)), "CIDv0");
    assertRejects(HexFormat.of().parseHex("0171"), "truncated");
    byte[] longer = new byte[37];
    System.arraycopy(ok, 0, longer, 0, 36);
    assertRejects(longer, "trailing");
    for (String s : List.of("", "Qmb", "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", "zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7",
        EMPTY_MAP.toUpperCase(), EMPTY_MAP + "a", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        EMPTY_MAP.substring(0, 58) + "1")) {
      assertThrows(InvalidCidException.class, () -> Cid.parse(s), s);
    }
  }

  static byte[] bytes(String prefix, byte[] cid) {
    byte[] p = HexFormat.of().parseHex(prefix);
    byte[] out = cid.clone();
    System.arraycopy(p, 0, out, 0, p.length);
    return out;
  }

  static void assertRejects(byte[] b, String what) {
    InvalidCidException e = assertThrows(InvalidCidException.class, () -> Cid.decode(b));
    assertTrue(e.getMessage().toLowerCase().contains(what.toLowerCase().split(" ")[0]), e.getMessage());
  }

  /** The interop CID syntax vectors test the Lexicon {@code cid} format check. */
  @TestFactory
  List<DynamicTest> syntaxVectors() {
    List<DynamicTest> tests = new java.util.ArrayList<>();
    for (String s : InteropFiles.lines("syntax/cid_syntax_valid.txt")) {
      tests.add(dynamicTest("valid: " + s, () -> assertTrue(Cid.isValidSyntax(s))));
    }
    for (String s : InteropFiles.lines("syntax/cid_syntax_invalid.txt")) {
      tests.add(dynamicTest("invalid: '" + s + "'", () -> assertFalse(Cid.isValidSyntax(s))));
    }
    return tests;
  }

  /**
   * Which syntactically valid CIDs {@link Cid#parse} accepts: only base32 CIDv1 with the dag-cbor
   * or raw codec and sha2-256. The vectors' dag-pb, base58 and other-base examples are rejected
   * by design: atproto never creates them, and links must be CIDs atproto can verify.
   */
  @Test
  void strictParseOfSyntaxVectors() {
    Set<String> parseable = Set.of();
    for (String s : InteropFiles.lines("syntax/cid_syntax_valid.txt")) {
      boolean parsed;
      try {
        Cid.parse(s);
        parsed = true;
      } catch (InvalidCidException e) {
        parsed = false;
      }
      assertEquals(parseable.contains(s), parsed, s);
    }
  }

  @Property
  void binaryAndStringFormsRoundTrip(@ForAll byte[] content) {
    Cid c = Cid.compute(Cid.Codec.RAW, content);
    assertEquals(c, Cid.parse(c.toString()));
    assertEquals(c, Cid.decode(c.toBytes()));
    assertEquals(Cid.STRING_LENGTH, c.toString().length());
  }

  @Property
  void multibaseRoundTrips(@ForAll byte[] data) {
    assertArrayEquals(data, Multibase.decode(Multibase.encodeBase32(data)));
    assertArrayEquals(data, Multibase.decode(Multibase.encodeBase58btc(data)));
  }

  @Property
  void varintRoundTrips(@ForAll long v) {
    long value = v & Long.MAX_VALUE;
    byte[] b = Varint.encode(value);
    int[] len = new int[1];
    assertEquals(value, Varint.read(b, 0, b.length, len));
    assertEquals(b.length, len[0]);
    assertEquals(Varint.length(value), b.length);
  }

  @Test
  void multibaseAndVarintRejections() {
    assertThrows(InvalidCidException.class, () -> Multibase.decode("mAAAA"));
    assertThrows(InvalidCidException.class, () -> Multibase.decode("bAB"));
    assertThrows(InvalidCidException.class, () -> Multibase.decode("z0OIl"));
    assertThrows(InvalidCidException.class, () -> Multibase.decode(""));
    assertThrows(InvalidCidException.class, () -> Multibase.decode("ba"), "impossible base32 length");
    assertThrows(InvalidCidException.class, () -> Multibase.decode("bab"), "non-zero padding bits");
    int[] len = new int[1];
    assertThrows(InvalidCidException.class, () -> Varint.read(new byte[] {(byte) 0x80, 0}, 0, 2, len));
    assertThrows(InvalidCidException.class, () -> Varint.read(new byte[] {(byte) 0x80}, 0, 1, len));
    byte[] tooLong = new byte[10];
    java.util.Arrays.fill(tooLong, (byte) 0x80);
    assertThrows(InvalidCidException.class, () -> Varint.read(tooLong, 0, 10, len));
    assertEquals("z", Multibase.encodeBase58btc(new byte[0]));
    assertArrayEquals(new byte[] {0, 0, 1}, Multibase.decode(Multibase.encodeBase58btc(new byte[] {0, 0, 1})));
  }
}
