package dev.atsync.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cid.Cid;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.MissingBlockException;
import dev.atsync.mst.Mst;
import dev.atsync.mst.MstException;
import dev.atsync.mst.MstKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Operation#invert}: each way a commit's ops can fail to invert, on a small tree whose blocks are all present. */
class InversionTest {
  static final String COLL = "app.bsky.feed.post";
  Map<Cid, byte[]> blocks;
  Mst tree;
  List<String> keys;

  static Cid cid(String s) {
    return Cid.ofDagCbor(s.getBytes(StandardCharsets.UTF_8));
  }

  static RepoPath path(String key) {
    return RepoPath.parse(key);
  }

  @BeforeEach
  void build() {
    TreeMap<String, Cid> entries = new TreeMap<>();
    for (int i = 0; i < 200; i++) {
      entries.put(COLL + "/r" + i, cid("v" + i));
    }
    tree = Mst.build(entries, BlockSource.EMPTY);
    blocks = tree.allNodes();
    keys = new ArrayList<>(entries.keySet());
  }

  Cid invert(Operation... ops) {
    return invert(BlockSource.of(blocks), List.of(ops));
  }

  Cid invert(BlockSource source, List<Operation> ops) {
    return Operation.invert(Mst.load(tree.rootCid(), source), ops).rootCid();
  }

  @Test
  void validOpsInvertToThePreviousRoot() {
    String created = keys.get(10);
    String updated = keys.get(20);
    Mst before = tree.delete(created).put(updated, cid("old"));
    before = before.put(COLL + "/zzgone", cid("gone"));
    Cid root = invert(
        new Operation(path(created), tree.get(created), Optional.empty()),
        new Operation(path(updated), tree.get(updated), Optional.of(cid("old"))),
        new Operation(path(COLL + "/zzgone"), Optional.empty(), Optional.of(cid("gone"))));
    assertEquals(before.rootCid(), root);
  }

  @Test
  void createWhosePathHoldsAnotherCid() {
    InversionException e = assertThrows(InversionException.class, () -> invert(
        new Operation(path(keys.get(3)), Optional.of(cid("other")), Optional.empty())));
    assertEquals(keys.get(3), e.path());
  }

  @Test
  void createOfAnAbsentPath() {
    InversionException e = assertThrows(InversionException.class, () -> invert(
        new Operation(path(COLL + "/absent"), Optional.of(cid("x")), Optional.empty())));
    assertTrue(e.getMessage().contains("holds nothing"), e.getMessage());
  }

  @Test
  void updateWhoseNewCidIsNotInTheTree() {
    assertThrows(InversionException.class, () -> invert(
        new Operation(path(keys.get(4)), Optional.of(cid("new")), Optional.of(cid("v4")))));
  }

  @Test
  void deleteOfAPathStillPresent() {
    InversionException e = assertThrows(InversionException.class, () -> invert(
        new Operation(path(keys.get(5)), Optional.empty(), Optional.of(cid("old")))));
    assertEquals(keys.get(5), e.path());
  }

  @Test
  void repeatedPath() {
    Operation op = new Operation(path(keys.get(6)), Optional.of(cid("v6")), Optional.empty());
    InversionException e = assertThrows(InversionException.class, () -> invert(op, op));
    assertTrue(e.getMessage().contains("more than one op"), e.getMessage());
  }

  @Test
  void badOpShapesAreRejectedWhenBuilt() {
    RepoPath p = path(keys.get(7));
    Optional<Cid> c = Optional.of(cid("c"));
    // the action follows from the CIDs, so the only bad shapes are the ones that change nothing
    assertThrows(IllegalArgumentException.class, () -> new Operation(p, c, c));
    assertThrows(IllegalArgumentException.class, () -> Operation.update(p, c.get(), c.get()));
    assertThrows(IllegalArgumentException.class, () -> new Operation(p, Optional.empty(), Optional.empty()));
    assertEquals(Operation.Action.CREATE, new Operation(p, c, Optional.empty()).action());
    assertEquals(Operation.Action.UPDATE, Operation.update(p, c.get(), cid("d")).action());
    assertEquals(Operation.Action.DELETE, Operation.delete(p, c.get()).action());
    assertEquals("delete", Operation.delete(p, c.get()).action().wire());
  }

  @Test
  void missingRootBlock() {
    MissingBlockException e = assertThrows(MissingBlockException.class, () -> invert(
        BlockSource.EMPTY, List.of(new Operation(path(keys.get(0)), Optional.of(cid("v0")), Optional.empty()))));
    assertEquals(tree.rootCid(), e.missing());
  }

  @Test
  void missingInnerBlockNamesIt() {
    // drop every node but the root: any op below the root must name a missing child
    Map<Cid, byte[]> onlyRoot = new HashMap<>();
    onlyRoot.put(tree.rootCid(), blocks.get(tree.rootCid()));
    String k = keys.stream().filter(x -> MstKeys.height(x) == 0).findFirst().orElseThrow();
    MissingBlockException e = assertThrows(MissingBlockException.class, () -> invert(
        BlockSource.of(onlyRoot), List.of(new Operation(path(k),
            tree.get(k), Optional.empty()))));
    assertTrue(blocks.containsKey(e.missing()));
  }

  @Test
  void corruptNodeIsAnMstException() {
    Map<Cid, byte[]> bad = new HashMap<>(blocks);
    bad.put(tree.rootCid(), new byte[] {(byte) 0xa1, 0x61, 0x65, (byte) 0x80});
    assertThrows(MstException.class, () -> invert(BlockSource.of(bad),
        List.of(new Operation(path(keys.get(0)), Optional.of(cid("v0")), Optional.empty()))));
  }
}
