package dev.atsync.cbor.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atsync.cbor.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AtprotoJsonTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "{\"a\":1.5}|$.a",
    "{\"a\":[1,{\"b\":2e0,\"c\":0.1}]}|$.a[1].c",
    "{\"a\":1e400}|$.a",
    "{\"a\":99999999999999999999}|$.a",
    "{\"a\":{\"$bytes\":\"AA==\"}}|$.a.$bytes",
    "{\"a\":{\"$bytes\":\"!!\"}}|$.a.$bytes",
    "{\"a\":{\"$link\":\"QmY7Yh4UquoXHLPFo2XbhXkhBvFoPwmQUSa92pxnxjQuPU\"}}|$.a.$link",
    "{\"a\":{\"$type\":\"blob\",\"ref\":{\"$link\":\"bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity\"},\"size\":1}}|$.a.mimeType",
    "{\"a\":1,\"a\":2}|$",
    "{\"a\":1} x|$",
    "{\"a\":|$",
  })
  void rejects(String json, String path) {
    InvalidJsonException e = assertThrows(InvalidJsonException.class, () -> AtprotoJson.parse(json));
    assertEquals(path, e.path(), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void integralFloatIsAnInteger() {
    assertEquals(Value.of(123), AtprotoJson.parse("123.0"));
    assertEquals(Value.of(Long.MIN_VALUE), AtprotoJson.parse("-9223372036854775808"));
    assertEquals(Value.of(1000), AtprotoJson.parse("1e3"));
  }

  @org.junit.jupiter.api.Test
  void deepNestingRejected() {
    String deep = "[".repeat(200) + "]".repeat(200);
    assertThrows(InvalidJsonException.class, () -> AtprotoJson.parse(deep));
  }
}
