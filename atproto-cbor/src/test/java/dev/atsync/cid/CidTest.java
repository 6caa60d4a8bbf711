package dev.atsync.cid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cbor.Interop;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidTest {
  static List<String> lines(String file) {
    List<String> out = new ArrayList<>();
    for (String l : Interop.read("syntax/" + file).split("\n", -1)) {
      if (!l.startsWith("#") && !l.isEmpty()) {
        out.add(l);
      }
    }
    assertFalse(out.isEmpty(), file + " holds no vectors");
    return out;
  }

  @Test
  void syntaxVectors() {
    for (String s : lines("cid_syntax_valid.txt")) {
      assertTrue(Cid.isValidSyntax(s), s);
    }
    for (String s : lines("cid_syntax_invalid.txt")) {
      assertFalse(Cid.isValidSyntax(s), s);
      assertThrows(InvalidCidException.class, () -> Cid.parse(s), s);
    }
  }

  /**
   * The strict parser rejects every entry of the valid syntax list: they are dag-pb CIDv1
   * ({@code bafybei...}, codec 0x70), other multibases ({@code z}, {@code m}, {@code f}, {@code
   * 7}) or not CIDs at all. atproto repositories only hold dag-cbor/raw sha2-256 base32 CIDs.
   */
  @Test
  void strictParseRejectsNonAtprotoCidsFromTheSyntaxList() {
    for (String s : lines("cid_syntax_valid.txt")) {
      InvalidCidException e = assertThrows(InvalidCidException.class, () -> Cid.parse(s), s);
      assertTrue(e.offset() >= 0, e.getMessage());
    }
  }

  @Test
  void knownCid() {
    Cid c = Cid.parse("bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq");
    assertEquals(Cid.Codec.DAG_CBOR, c.codec());
    assertEquals("bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq", c.toString());
    assertEquals(c, Cid.decode(c.toBytes()));
    Cid raw = Cid.parse("bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity");
    assertEquals(Cid.Codec.RAW, raw.codec());
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    Cid h = Cid.compute(Cid.Codec.RAW, data);
    assertTrue(h.matches(data));
    assertFalse(h.matches("hellp".getBytes(StandardCharsets.UTF_8)));
    // sha256("hello")
    assertArrayEquals(HexFormat.of().parseHex("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"), h.digest());
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "", "b", "QmY7Yh4UquoXHLPFo2XbhXkhBvFoPwmQUSa92pxnxjQuPU",
    "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", // dag-pb
    "Bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwq", // upper prefix
    "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwQ", // upper char
    "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabw1", // not base32
    "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esabwr", // padding bits
    "bafyreiclp443lavogvhj3d2ob2cxbfuscni2k5jk7bebjzg7khl3esab", // short
  })
  void rejectsStrings(String s) {
    assertThrows(InvalidCidException.class, () -> Cid.parse(s));
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "", "01711220", "1220" + "0000000000000000000000000000000000000000000000000000000000000000",
    "02711220" + "0000000000000000000000000000000000000000000000000000000000000000",
    "01701220" + "0000000000000000000000000000000000000000000000000000000000000000",
    "01f11220" + "0000000000000000000000000000000000000000000000000000000000000000",
    "01711320" + "0000000000000000000000000000000000000000000000000000000000000000",
    "01711221" + "0000000000000000000000000000000000000000000000000000000000000000",
    "01711220" + "00000000000000000000000000000000000000000000000000000000000000",
    "01711220" + "000000000000000000000000000000000000000000000000000000000000000000",
  })
  void rejectsBinary(String hex) {
    assertThrows(InvalidCidException.class, () -> Cid.decode(HexFormat.of().parseHex(hex)));
  }

  @Property
  void stringAndBinaryRoundTrip(@ForAll @Size(32) byte[] digest, @ForAll boolean raw) {
    Cid c = Cid.ofDigest(raw ? Cid.Codec.RAW : Cid.Codec.DAG_CBOR, digest);
    assertEquals(Cid.STRING_LENGTH, c.toString().length());
    assertEquals(c, Cid.parse(c.toString()));
    assertEquals(c, Cid.decode(c.toBytes()));
    assertArrayEquals(digest, c.digest());
    assertTrue(Cid.isValidSyntax(c.toString()));
  }
}
