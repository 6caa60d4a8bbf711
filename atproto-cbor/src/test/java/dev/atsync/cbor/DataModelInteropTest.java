package dev.atsync.cbor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.cbor.json.AtprotoJson;
import dev.atsync.cbor.json.InvalidJsonException;
import dev.atsync.cid.Cid;
import dev.atsync.interop.InteropFiles;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every vector of {@code ../shared/interop/data-model/}. */
class DataModelInteropTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode load(String file) throws Exception {
    return JSON.readTree(InteropFiles.read("data-model/" + file));
  }

  @TestFactory
  List<DynamicTest> fixturesEncodeToExactBytesAndCid() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode f : load("data-model-fixtures.json")) {
      tests.add(dynamicTest(f.get("cid").asText(), () -> {
        Value v = AtprotoJson.parse(JSON.writeValueAsString(f.get("json")));
        byte[] expected = Base64.getDecoder().decode(f.get("cbor_base64").asText());
        byte[] encoded = DagCbor.encode(v);
        assertArrayEquals(expected, encoded, "canonical encoding");
        assertEquals(Cid.parse(f.get("cid").asText()), Cid.ofDagCbor(encoded), "CID");
        assertEquals(v, DagCbor.decode(expected), "strict decode gives the same value");
        assertEquals(v, AtprotoJson.parse(AtprotoJson.write(v)), "JSON round trip");
        assertEquals(JSON.readTree(AtprotoJson.write(v)), f.get("json"), "JSON output equals the fixture");
      }));
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> validDataIsAccepted() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode f : load("data-model-valid.json")) {
      tests.add(dynamicTest(f.get("note").asText(), () -> {
        Value.Map v = AtprotoJson.parseObject(JSON.writeValueAsString(f.get("json")));
        assertEquals(v, DagCbor.decode(DagCbor.encode(v)));
      }));
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> invalidDataIsRejected() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode f : load("data-model-invalid.json")) {
      tests.add(dynamicTest(f.get("note").asText(), () -> assertThrows(InvalidJsonException.class,
          () -> AtprotoJson.parseObject(JSON.writeValueAsString(f.get("json"))))));
    }
    return tests;
  }
}
