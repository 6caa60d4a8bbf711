package dev.atsync.cbor.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Interop;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The official data-model vectors: fixtures (JSON, CBOR, CID), valid and invalid records. */
class DataModelInteropTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode load(String name) throws Exception {
    JsonNode n = JSON.readTree(Interop.read("data-model/" + name));
    assertTrue(n.isArray() && n.size() > 0, name + " holds no vectors");
    return n;
  }

  @TestFactory
  List<DynamicTest> fixtures() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    int i = 0;
    for (JsonNode f : load("data-model-fixtures.json")) {
      String json = JSON.writeValueAsString(f.get("json"));
      byte[] cbor = Base64.getDecoder().decode(f.get("cbor_base64").asText());
      Cid cid = Cid.parse(f.get("cid").asText());
      tests.add(DynamicTest.dynamicTest("fixture " + i++, () -> {
        Value v = AtprotoJson.parse(json);
        byte[] encoded = DagCbor.encode(v);
        assertArrayEquals(cbor, encoded, "canonical encoding");
        assertEquals(cid, DagCbor.cidOf(v));
        assertEquals(cid, Cid.ofDagCbor(cbor));
        assertEquals(v, DagCbor.decode(cbor));
        assertEquals(JSON.readTree(json), JSON.readTree(AtprotoJson.write(v)), "JSON round trip");
        assertEquals(v, AtprotoJson.parse(AtprotoJson.write(v)));
      }));
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> valid() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode f : load("data-model-valid.json")) {
      String json = JSON.writeValueAsString(f.get("json"));
      tests.add(DynamicTest.dynamicTest(f.get("note").asText(), () -> {
        Value.Map v = AtprotoJson.parseObject(json);
        assertEquals(v, DagCbor.decode(DagCbor.encode(v)));
      }));
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> invalid() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode f : load("data-model-invalid.json")) {
      String json = JSON.writeValueAsString(f.get("json"));
      tests.add(DynamicTest.dynamicTest(f.get("note").asText(), () -> {
        JsonDataException e = assertThrows(JsonDataException.class, () -> AtprotoJson.parseObject(json));
        assertFalse(e.path().isEmpty());
        assertTrue(e.getMessage().contains(e.path()), e.getMessage());
      }));
    }
    return tests;
  }
}
