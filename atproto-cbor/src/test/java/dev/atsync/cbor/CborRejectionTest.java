package dev.atsync.cbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cbor.CborException.Rule;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** At least one input for every rejection rule, with the offset it must name. */
class CborRejectionTest {
  static final String CID_HEX = "01711220" + "00".repeat(32);

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      NON_MINIMAL_ENCODING  | 1817                         | 0
      NON_MINIMAL_ENCODING  | 190017                       | 0
      NON_MINIMAL_ENCODING  | 1a0000ffff                   | 0
      NON_MINIMAL_ENCODING  | 1b00000000ffffffff           | 0
      NON_MINIMAL_ENCODING  | 7801 61                      | 0
      NON_MINIMAL_ENCODING  | 9800                         | 0
      NON_MINIMAL_ENCODING  | d9002a 5825 00 CID           | 0
      INDEFINITE_LENGTH     | 9f ff                        | 0
      INDEFINITE_LENGTH     | a1 61 61 5f 41 00 ff         | 3
      INDEFINITE_LENGTH     | ff                           | 0
      UNSORTED_MAP_KEYS     | a2 6162 01 6161 02           | 4
      UNSORTED_MAP_KEYS     | a2 626161 01 6162 02         | 5
      DUPLICATE_MAP_KEY     | a2 6161 01 6161 02           | 4
      FLOAT                 | f93c00                       | 0
      FLOAT                 | fa3f800000                   | 0
      FLOAT                 | fb3ff0000000000000           | 0
      UNDEFINED             | f7                           | 0
      SIMPLE_VALUE          | f0                           | 0
      SIMPLE_VALUE          | f820                         | 0
      UNSUPPORTED_TAG       | c1 00                        | 0
      UNSUPPORTED_TAG       | d82b 00                      | 0
      NON_TEXT_MAP_KEY      | a1 01 02                     | 1
      NON_TEXT_MAP_KEY      | a1 4161 02                   | 1
      INVALID_UTF8          | 62 c328                      | 2
      INVALID_UTF8          | 62 c0af                      | 1
      INVALID_UTF8          | 63 eda080                    | 1
      INVALID_UTF8          | 64 f4908080                  | 1
      INVALID_UTF8          | 61 80                        | 1
      INVALID_UTF8          | 62 e282                      | 1
      INVALID_CID           | d82a 01                      | 2
      INVALID_CID           | d82a 4101                    | 3
      INVALID_CID           | d82a 5825 01 CID             | 4
      INVALID_CID           | d82a 5826 00 CID 00          | 41
      INVALID_CID           | d82a 5825 00 01701220 0000000000000000000000000000000000000000000000000000000000000000 | 6
      TRAILING_BYTES        | 00 00                        | 1
      TOO_DEEP              | DEEP                         | 64
      TRUNCATED             | 18                           | 0
      TRUNCATED             | a1 6161                      | 3
      LENGTH_EXCEEDS_INPUT  | 82 01                        | 0
      TRUNCATED             | 82 01 18                     | 2
      TRUNCATED             | EMPTY                        | 0
      LENGTH_EXCEEDS_INPUT  | 65 6162                      | 0
      LENGTH_EXCEEDS_INPUT  | 5bffffffffffffffff           | 0
      LENGTH_EXCEEDS_INPUT  | 9bffffffffffffffff           | 0
      LENGTH_EXCEEDS_INPUT  | 83 01 02                     | 0
      LENGTH_EXCEEDS_INPUT  | a2 6161 01                   | 0
      INTEGER_OUT_OF_RANGE  | 1b8000000000000000           | 0
      INTEGER_OUT_OF_RANGE  | 3b8000000000000000           | 0
      RESERVED              | 1c                           | 0
      RESERVED              | 5e                           | 0
      """)
  void rejects(Rule rule, String hex, long offset) {
    byte[] input = input(hex);
    CborException e = assertThrows(CborException.class, () -> DagCbor.decode(input));
    assertEquals(rule, e.rule(), e.getMessage());
    assertEquals(offset, e.offset(), e.getMessage());
    assertTrue(e.getMessage().contains(rule.name()), e.getMessage());
    assertTrue(e.getMessage().contains("at byte " + offset), e.getMessage());
  }

  /**
   * The reader has fast paths for common items inside lists and map values; the same bad items
   * there must fail with the same rule, at the same place (shifted by the wrapper's bytes).
   */
  @ParameterizedTest(name = "{0} nested: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      NON_MINIMAL_ENCODING  | 7801 61                      | 0
      NON_MINIMAL_ENCODING  | 1817                         | 0
      LENGTH_EXCEEDS_INPUT  | 65 6162                      | 0
      LENGTH_EXCEEDS_INPUT  | 78ff 6162                    | 0
      LENGTH_EXCEEDS_INPUT  | 45 6162                      | 0
      INVALID_UTF8          | 62 c328                      | 2
      INVALID_UTF8          | 7818 61616161616161616161616161616161616161616161c328 | 25
      INVALID_CID           | d82a 5825 01 CID             | 4
      INVALID_CID           | d82a 5825 00 01701220 0000000000000000000000000000000000000000000000000000000000000000 | 6
      NON_MINIMAL_ENCODING  | d9002a 5825 00 CID           | 0
      """)
  void rejectsTheSameInsideListsAndMapValues(Rule rule, String hex, long offset) {
    byte[] item = input(hex);
    byte[] inList = concat(new byte[] {(byte) 0x81}, item);
    byte[] inMap = concat(new byte[] {(byte) 0xa1, 0x61, 0x61}, item);
    CborException list = assertThrows(CborException.class, () -> DagCbor.decode(inList));
    assertEquals(rule, list.rule(), list.getMessage());
    assertEquals(offset + 1, list.offset(), list.getMessage());
    CborException map = assertThrows(CborException.class, () -> DagCbor.decode(inMap));
    assertEquals(rule, map.rule(), map.getMessage());
    assertEquals(offset + 3, map.offset(), map.getMessage());
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static byte[] input(String hex) {
    if (hex.equals("EMPTY")) {
      return new byte[0];
    }
    if (hex.equals("DEEP")) {
      return HexFormat.of().parseHex("81".repeat(65) + "00");
    }
    return HexFormat.of().parseHex(hex.replace("CID", CID_HEX).replace(" ", ""));
  }

  @Test
  void everyRuleHasARow() throws Exception {
    Set<Rule> covered = EnumSet.noneOf(Rule.class);
    String table = java.util.Arrays.stream(getClass().getDeclaredMethod("rejects", Rule.class, String.class, long.class)
        .getAnnotation(CsvSource.class).textBlock().split("\n")).map(String::trim).reduce("", (a, b) -> a + b + "\n");
    for (Rule r : Rule.values()) {
      if (table.contains(r.name() + " ")) {
        covered.add(r);
      }
    }
    covered.add(Rule.UNEXPECTED_TYPE); // typed reads only, tested below
    assertEquals(EnumSet.allOf(Rule.class), covered);
  }

  @Test
  void typedReadsNameTheKindFound() {
    CborReader r = new CborReader(HexFormat.of().parseHex("6161"));
    CborException e = assertThrows(CborException.class, r::readLong);
    assertEquals(Rule.UNEXPECTED_TYPE, e.rule());
    assertTrue(e.getMessage().contains("expected integer, found text"), e.getMessage());
    CborReader list = new CborReader(HexFormat.of().parseHex("8101"));
    list.readListHeader();
    list.readLong();
    assertEquals(Rule.TRUNCATED, assertThrows(CborException.class, list::readLong).rule());
    CborReader map = new CborReader(HexFormat.of().parseHex("a10102"));
    map.readMapHeader();
    assertEquals(Rule.NON_TEXT_MAP_KEY, assertThrows(CborException.class, map::readLong).rule());
  }

  @Test
  void depthLimitIsConfigurable() {
    byte[] three = HexFormat.of().parseHex("81818100");
    DagCbor.decode(three, 3);
    assertEquals(Rule.TOO_DEEP, assertThrows(CborException.class, () -> DagCbor.decode(three, 2)).rule());
    byte[] maps = HexFormat.of().parseHex("a16161a16161a1616100");
    DagCbor.decode(maps, 3);
    assertEquals(Rule.TOO_DEEP, assertThrows(CborException.class, () -> DagCbor.decode(maps, 2)).rule());
  }
}
