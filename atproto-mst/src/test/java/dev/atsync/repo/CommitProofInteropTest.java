package dev.atsync.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.cid.Cid;
import dev.atsync.interop.InteropFiles;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.Mst;
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

/**
 * The commit proofs of {@code ../shared/interop/firehose/commit-proof-fixtures.json}: roots before
 * and after, the proof blocks, and inversion of the ops from the proof alone, through the
 * algorithm of {@link Operation#invert}.
 */
class CommitProofInteropTest {
  static final ObjectMapper JSON = new ObjectMapper();

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
        // tree keys such as A0/374913 are not record paths, so the ops go in as keys and CIDs
        List<String> changed = new ArrayList<>();
        List<Optional<Cid>> cids = new ArrayList<>();
        List<Optional<Cid>> prevs = new ArrayList<>();
        for (JsonNode a : f.get("adds")) {
          after = after.put(a.asText(), leaf);
          changed.add(a.asText());
          cids.add(Optional.of(leaf));
          prevs.add(Optional.empty());
        }
        for (JsonNode d : f.get("dels")) {
          after = after.delete(d.asText());
          changed.add(d.asText());
          cids.add(Optional.empty());
          prevs.add(Optional.of(leaf));
        }
        assertEquals(f.get("rootAfterCommit").asText(), after.rootCid().toString(), "root after");
        Map<Cid, byte[]> proof = new HashMap<>(after.newBlocks(beforeBlocks::containsKey));
        proof.putAll(after.proofNodes(changed));
        Set<String> expected = new java.util.TreeSet<>();
        f.get("blocksInProof").forEach(b -> expected.add(b.asText()));
        assertEquals(expected, proof.keySet().stream().map(Cid::toString).collect(Collectors.toCollection(java.util.TreeSet::new)),
            "proof blocks");
        Cid inverted = Operation.invertKeys(Mst.load(after.rootCid(), BlockSource.of(proof)), changed, cids, prevs)
            .rootCid();
        assertEquals(f.get("rootBeforeCommit").asText(), inverted.toString(), "inverted from the proof alone");
      }));
    }
    return out;
  }
}
