package dev.atsync.mst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.interop.InteropFiles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every vector of {@code ../shared/interop/mst/}; the commit proofs of {@code firehose/} are in {@code repo}. */
class MstInteropTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  List<DynamicTest> keyHeights() throws Exception {
    List<DynamicTest> out = new ArrayList<>();
    for (JsonNode v : JSON.readTree(InteropFiles.read("mst/key_heights.json"))) {
      out.add(dynamicTest("'" + v.get("key").asText() + "'", () -> assertEquals(v.get("height").asInt(),
          MstKeys.height(v.get("key").asText().getBytes(StandardCharsets.UTF_8)))));
    }
    for (String k : InteropFiles.lines("mst/example_keys.txt")) {
      out.add(dynamicTest(k, () -> assertEquals(k.charAt(1) - '0', MstKeys.height(k))));
    }
    return out;
  }

  @TestFactory
  List<DynamicTest> commonPrefixes() throws Exception {
    List<DynamicTest> out = new ArrayList<>();
    for (JsonNode v : JSON.readTree(InteropFiles.read("mst/common_prefix.json"))) {
      out.add(dynamicTest(v.get("left").asText() + " / " + v.get("right").asText(), () -> assertEquals(
          v.get("len").asInt(), MstKeys.commonPrefixLength(v.get("left").asText().getBytes(StandardCharsets.UTF_8),
              v.get("right").asText().getBytes(StandardCharsets.UTF_8)))));
    }
    return out;
  }
}
