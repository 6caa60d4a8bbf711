package dev.atsync.mst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.cid.Cid;
import dev.atsync.interop.InteropFiles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every vector of {@code ../shared/interop/mst/} and the commit proofs of {@code firehose/}. */
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

  @TestFactory
  List<DynamicTest> commitProofs() throws Exception {
    List<DynamicTest> out = new ArrayList<>();
    for (JsonNode f : JSON.readTree(InteropFiles.read("firehose/commit-proof-fixtures.json"))) {
      out.add(dynamicTest(f.get("comment").asText(), () -> {
        Cid leaf = Cid.parse(f.get("leafValue").asText());
        TreeMap<String, Cid> keys = new TreeMap<>();
        f.get("keys").forEach(k -> keys.put(k.asText(), leaf));
        Mst before = Mst.build(keys, BlockSource.EMPTY);
        assertEquals(f.get("rootBeforeCommit").asText(), before.rootCid().toString(), "root before");
        Mst incremental = Mst.empty(BlockSource.EMPTY);
        for (String k : keys.keySet()) {
          incremental = incremental.put(k, leaf);
        }
        assertEquals(before.rootCid(), incremental.rootCid(), "incremental equals bulk");
        Map<Cid, byte[]> beforeBlocks = before.newBlocks(c -> false);
        Mst after = before;
        List<KeyChange> changes = new ArrayList<>();
        for (JsonNode a : f.get("adds")) {
          after = after.put(a.asText(), leaf);
          changes.add(new KeyChange(a.asText(), Optional.empty(), Optional.of(leaf)));
        }
        for (JsonNode d : f.get("dels")) {
          after = after.delete(d.asText());
          changes.add(new KeyChange(d.asText(), Optional.of(leaf), Optional.empty()));
        }
        assertEquals(f.get("rootAfterCommit").asText(), after.rootCid().toString(), "root after");
        Map<Cid, byte[]> proof = new HashMap<>(after.newBlocks(beforeBlocks::containsKey));
        proof.putAll(after.proofNodes(changes.stream().map(KeyChange::key).toList()));
        Set<String> expected = new java.util.TreeSet<>();
        f.get("blocksInProof").forEach(b -> expected.add(b.asText()));
        assertEquals(expected, proof.keySet().stream().map(Cid::toString).collect(Collectors.toCollection(java.util.TreeSet::new)),
            "proof blocks");
        Cid inverted = Inversion.previousRoot(after.rootCid(), BlockSource.of(proof), changes);
        assertEquals(f.get("rootBeforeCommit").asText(), inverted.toString(), "inverted from the proof alone");
      }));
    }
    return out;
  }
}
