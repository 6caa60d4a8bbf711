package dev.atsync.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.car.CarReader;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.MissingBlockException;
import dev.atsync.mst.Mst;
import dev.atsync.mst.MstException;
import dev.atsync.mst.MstKeys;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Commits made by {@link Repository} verify and invert from their proof blocks alone. */
class RepositoryProperties {
  static final PrivateKey KEY = PrivateKey.generate(Curve.SECP256K1);
  static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");

  static Value.Map post(String text) {
    return new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of(text),
        "createdAt", Value.of("2026-11-23T07:00:00.000Z")));
  }

  /** Random batches of creates, updates and deletes over a repository that grows to a few hundred records. */
  @Property(tries = 40)
  void everyCommitInvertsFromItsProofAlone(@ForAll long seed, @ForAll @IntRange(min = 1, max = 12) int batches) {
    Random rnd = new Random(seed);
    Repository repo = Repository.create(DID, KEY, BlockStore.inMemory());
    List<RepoPath> live = new ArrayList<>();
    int next = 0;
    // a starting population so changed keys sit at several heights
    List<Write> initial = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      RepoPath p = RepoPath.parse((i % 2 == 0 ? "app.bsky.feed.post" : "app.bsky.feed.like") + "/k" + (next++));
      initial.add(Write.create(p, post("x" + i)));
      live.add(p);
    }
    repo.apply(initial);
    for (int b = 0; b < batches; b++) {
      List<Write> writes = new ArrayList<>();
      java.util.Set<RepoPath> touched = new java.util.HashSet<>();
      int n = 1 + rnd.nextInt(12);
      for (int i = 0; i < n; i++) {
        int kind = rnd.nextInt(3);
        if (kind == 0 || live.isEmpty()) {
          // every other create uses a key of height >= 1, so changes reach inner layers
          String rkey = "k" + (next++);
          while (i % 2 == 0 && MstKeys.height("app.bsky.feed.post/" + rkey) < 1) {
            rkey = "k" + (next++);
          }
          RepoPath p = RepoPath.parse("app.bsky.feed.post/" + rkey);
          writes.add(Write.create(p, post("new" + i)));
          touched.add(p);
        } else {
          RepoPath p = live.get(rnd.nextInt(live.size()));
          if (!touched.add(p)) {
            continue;
          }
          writes.add(kind == 1 ? Write.update(p, post("upd" + seed + b + i)) : Write.delete(p));
        }
      }
      CommitResult c = repo.apply(writes);
      for (Write w : writes) {
        if (w.action() == Operation.Action.CREATE) {
          live.add(w.path());
        } else if (w.action() == Operation.Action.DELETE) {
          live.remove(w.path());
        }
      }
      // the CAR is the proof; the commit verifies and inverts to prevData from those blocks alone
      CarReader.Contents car = CarReader.readAll(c.proofCar(), CarReader.Limits.DEFAULT);
      assertEquals(List.of(c.commitCid()), car.roots());
      Commit commit = Commit.decode(car.blocks().get(c.commitCid()));
      assertTrue(commit.verify(KEY.publicKey()));
      assertEquals(c.prevData(), Operation.invert(Mst.load(commit.data(), BlockSource.of(car.blocks())), c.ops()).rootCid());
      for (Operation op : c.ops()) {
        assertEquals(op.cid(), Mst.load(commit.data(), BlockSource.of(car.blocks())).get(op.path().toString()));
        op.cid().ifPresent(cid -> assertTrue(car.blocks().containsKey(cid), "record block present"));
      }
      // without any one MST node, inversion fails or (if the node was not needed) is still right
      for (Cid drop : car.blocks().keySet()) {
        if (drop.equals(c.commitCid())) {
          continue;
        }
        Map<Cid, byte[]> less = new HashMap<>(car.blocks());
        less.remove(drop);
        try {
          assertEquals(c.prevData(), Operation.invert(Mst.load(commit.data(), BlockSource.of(less)), c.ops()).rootCid(),
              "a missing block may only ever be harmless");
        } catch (MissingBlockException expected) {
          assertEquals(drop, expected.missing());
        } catch (MstException expected) {
          // e.g. the root itself is gone
        }
      }
    }
  }

  @Property(tries = 200)
  void signedCommitsVerifyAndAnyBitFlipFails(@ForAll int bit, @ForAll boolean p256) {
    PrivateKey key = p256 ? PrivateKey.generate(Curve.P256) : KEY;
    Commit c = Commit.unsigned(DID, Cid.ofDagCbor(new byte[] {(byte) 0xa0}),
        Tid.parse("3lbf5dnwdbs2c")).sign(key);
    assertTrue(c.verify(key.publicKey()));
    byte[] block = c.encode();
    assertEquals(c, Commit.decode(block));
    byte[] flipped = block.clone();
    int at = Math.floorMod(bit, block.length * 8);
    flipped[at / 8] ^= (byte) (1 << (at % 8));
    boolean verifies;
    try {
      verifies = Commit.decode(flipped).verify(key.publicKey());
    } catch (MstException e) {
      verifies = false;
    }
    assertFalse(verifies, "a single bit flip must break the commit");
  }

  @Property(tries = 20)
  void exportHoldsTheWholeRepository(@ForAll @IntRange(min = 1, max = 200) int records) {
    Repository repo = Repository.create(DID, KEY, BlockStore.inMemory());
    List<Write> writes = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      writes.add(Write.create(RepoPath.parse("app.bsky.feed.post/" + "r" + i), post("p" + i)));
    }
    repo.apply(writes);
    CarReader.Contents car = CarReader.readAll(repo.exportCar(), CarReader.Limits.DEFAULT);
    Commit head = Commit.decode(car.blocks().get(car.roots().get(0)));
    Mst tree = Mst.load(head.data(), BlockSource.of(car.blocks()));
    Map<String, Cid> all = new LinkedHashMap<>();
    tree.entries().forEach(e -> all.put(e.key(), e.value()));
    assertEquals(records, all.size());
    List<String> posts = new ArrayList<>();
    repo.records(dev.atsync.syntax.Nsid.parse("app.bsky.feed.post")).forEach(e -> posts.add(e.key()));
    assertEquals(new ArrayList<>(all.keySet()), posts);
    for (String p : posts) {
      Cid c = repo.recordCid(RepoPath.parse(p)).orElseThrow();
      assertEquals(c, Cid.ofDagCbor(repo.record(RepoPath.parse(p)).orElseThrow()));
    }
    for (Cid c : all.values()) {
      assertTrue(car.blocks().containsKey(c));
    }
  }
}
