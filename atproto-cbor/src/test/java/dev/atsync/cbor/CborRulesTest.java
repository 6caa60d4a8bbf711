package dev.atsync.cbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cbor.CborException.Rule;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One or more hex inputs for every rejection rule, with the expected rule and byte offset. */
class CborRulesTest {
  private static final Set<Rule> SEEN = EnumSet.noneOf(Rule.class);

  // a valid 36-byte dag-cbor CID body (0x01 0x71 0x12 0x20 + 32 bytes)
  static final String CID = "01711220" + "00".repeat(32);

  @ParameterizedTest(name = "{0} -> {1}@{2}")
  @CsvSource({
    "1817, NON_MINIMAL_INTEGER, 0",
    "190017, NON_MINIMAL_INTEGER, 0",
    "1a0000ffff, NON_MINIMAL_INTEGER, 0",
    "1b00000000ffffffff, NON_MINIMAL_INTEGER, 0",
    "3817, NON_MINIMAL_INTEGER, 0",
    "82001817, NON_MINIMAL_INTEGER, 2",
    "780161, NON_MINIMAL_LENGTH, 0",
    "5900010a, NON_MINIMAL_LENGTH, 0",
    "980100, NON_MINIMAL_LENGTH, 0",
    "b80100, NON_MINIMAL_LENGTH, 0",
    "9f00ff, INDEFINITE_LENGTH, 0",
    "bf616100ff, INDEFINITE_LENGTH, 0",
    "7f6161ff, INDEFINITE_LENGTH, 0",
    "ff, INDEFINITE_LENGTH, 0",
    "a2616201616101, UNSORTED_MAP_KEYS, 4",
    "a2626161016162, UNSORTED_MAP_KEYS, 5",
    "a2616101616101, DUPLICATE_MAP_KEY, 4",
    "f93c00, FLOAT, 0",
    "fa3f800000, FLOAT, 0",
    "fb3ff0000000000000, FLOAT, 0",
    "8201f90000, FLOAT, 2",
    "f7, UNDEFINED, 0",
    "f0, SIMPLE_VALUE, 0",
    "f820, SIMPLE_VALUE, 0",
    "c100, UNSUPPORTED_TAG, 0",
    "d82b00, UNSUPPORTED_TAG, 0",
    "a10101, NON_TEXT_MAP_KEY, 1",
    "a1410101, NON_TEXT_MAP_KEY, 1",
    "62c0af, INVALID_UTF8, 1",
    "63eda080, INVALID_UTF8, 1",
    "64f4908080, INVALID_UTF8, 1",
    "6180, INVALID_UTF8, 1",
    "6261c3, INVALID_UTF8, 2",
    "63e08080, INVALID_UTF8, 1",
    "d82a00, INVALID_CID, 2",
    "d82a4100, INVALID_CID, 4",
    "d82a582501" + "01711220" + "0000000000000000000000000000000000000000000000000000000000000000, INVALID_CID, 4",
    "d82a58250002711220" + "0000000000000000000000000000000000000000000000000000000000000000, INVALID_CID, 5",
    "0000, TRAILING_BYTES, 1",
    "a0f6, TRAILING_BYTES, 1",
    "18, TRUNCATED, 0",
    "1901, TRUNCATED, 0",
    "a16161, TRUNCATED, 3",
    "d82a, TRUNCATED, 2",
    "6261, LENGTH_EXCEEDS_INPUT, 0",
    "5a7fffffff00, LENGTH_EXCEEDS_INPUT, 0",
    "9a7fffffff, LENGTH_EXCEEDS_INPUT, 0",
    "bb7fffffffffffffff, LENGTH_EXCEEDS_INPUT, 0",
    "1b8000000000000000, INTEGER_OUT_OF_RANGE, 0",
    "3b8000000000000000, INTEGER_OUT_OF_RANGE, 0",
    "1c, RESERVED_ADDITIONAL_INFO, 0",
    "5e, RESERVED_ADDITIONAL_INFO, 0",
  })
  void rejects(String hex, Rule rule, int offset) {
    byte[] in = HexFormat.of().parseHex(hex);
    CborException e = assertThrows(CborException.class, () -> DagCbor.decode(in));
    assertEquals(rule, e.rule(), e.getMessage());
    assertEquals(offset, e.offset(), e.getMessage());
    assertTrue(e.getMessage().contains(rule.name()) && e.getMessage().contains("byte " + offset),
        e.getMessage());
    SEEN.add(rule);
  }

  @ParameterizedTest
  @CsvSource({"1864, 2", "8100, 2", "a0, 1", "f6, 1"})
  void depthLimit(String hex, int unused) {
    // 65 nested lists exceed the default depth of 64; 64 are fine
    byte[] ok = new byte[64 + 1];
    java.util.Arrays.fill(ok, 0, 64, (byte) 0x81);
    ok[64] = (byte) 0xF6;
    DagCbor.decode(ok);
    byte[] deep = new byte[65 + 1];
    java.util.Arrays.fill(deep, 0, 65, (byte) 0x81);
    deep[65] = (byte) 0xF6;
    CborException e = assertThrows(CborException.class, () -> DagCbor.decode(deep));
    assertEquals(Rule.TOO_DEEP, e.rule());
    assertEquals(64, e.offset());
    SEEN.add(Rule.TOO_DEEP);
    // and a caller-chosen depth
    assertThrows(CborException.class, () -> DagCbor.decode(HexFormat.of().parseHex("818100"), 1));
  }

  @ParameterizedTest
  @CsvSource({"6161, readLong, 'expected integer, found text'", "01, readText, 'expected text, found integer'",
      "f6, readBoolean, 'expected boolean, found null'", "a0, readListHeader, 'expected list, found map'",
      "4100, readLink, 'expected link, found bytes'"})
  void wrongKind(String hex, String method, String message) throws Exception {
    CborReader r = new CborReader(HexFormat.of().parseHex(hex));
    Exception e = assertThrows(Exception.class, () -> {
      try {
        CborReader.class.getMethod(method).invoke(r);
      } catch (java.lang.reflect.InvocationTargetException ite) {
        throw (Exception) ite.getCause();
      }
    });
    assertTrue(e instanceof CborException, e.toString());
    assertEquals(Rule.WRONG_KIND, ((CborException) e).rule());
    assertTrue(e.getMessage().contains(message), e.getMessage());
    SEEN.add(Rule.WRONG_KIND);
  }

  @AfterAll
  static void everyRuleCovered() {
    assertEquals(EnumSet.allOf(Rule.class), SEEN, "rules without a test input");
  }
}
