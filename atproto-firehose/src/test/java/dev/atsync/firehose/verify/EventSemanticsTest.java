package dev.atsync.firehose.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.car.CarReader;
import dev.atsync.car.CarWriter;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.AccountEvent;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.CommitOp;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.IdentityEvent;
import dev.atsync.firehose.StreamEvent;
import dev.atsync.firehose.SyncEvent;
import dev.atsync.firehose.identity.KeySource;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.Mst;
import dev.atsync.repo.Commit;
import dev.atsync.repo.CommitResult;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Handle;
import dev.atsync.syntax.Tid;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What the verifier makes of the streams the reference PDS emits (account creation, activation,
 * status changes) and of stale, repeated and non-canonical messages, per policy.
 */
class EventSemanticsTest {
  static final Datetime TIME = Datetime.parse("2026-11-23T07:00:00.000Z");
  static final String POST = "app.bsky.feed.post";

  static CommitVerifier verifier(Policy policy) {
    return builder(policy).build();
  }

  static CommitVerifier.Builder builder(Policy policy) {
    return CommitVerifier.builder().policy(policy).keys(KeySource.of(Map.of(Streams.DID, Streams.KEY.publicKey())));
  }

  static IdentityEvent identity(long seq, String handle) {
    return new IdentityEvent(seq, Streams.DID, TIME, Optional.ofNullable(handle).map(Handle::parse));
  }

  /** An {@code #identity} frame whose {@code did} is any text, built through the generic model. */
  static Frame identityFrame(long seq, String did) {
    dev.atsync.cbor.CborWriter header = new dev.atsync.cbor.CborWriter();
    header.writeMapHeader(2);
    header.writeKey("t");
    header.writeText("#identity");
    header.writeKey("op");
    header.writeLong(1);
    byte[] body = dev.atsync.cbor.DagCbor.encode(new dev.atsync.cbor.Value.Map(Map.of("did",
        dev.atsync.cbor.Value.of(did), "seq", dev.atsync.cbor.Value.of(seq), "time",
        dev.atsync.cbor.Value.of(TIME.value()))));
    byte[] h = header.toByteArray();
    byte[] f = java.util.Arrays.copyOf(h, h.length + body.length);
    System.arraycopy(body, 0, f, h.length, body.length);
    return Frame.decode(f);
  }

  static AccountEvent account(long seq, boolean active, String status) {
    return new AccountEvent(seq, Streams.DID, TIME, active, Optional.ofNullable(status));
  }

  /** A commit as the reference PDS sequences it: since null on the genesis, prevData absent there. */
  static CommitEvent pdsCommit(CommitResult r, long seq) {
    CommitEvent c = CommitEvent.of(r, seq, Instant.now());
    Optional<dev.atsync.cid.Cid> prevData = r.since().isEmpty() ? Optional.empty() : c.prevData();
    return new CommitEvent(seq, false, false, c.repo(), c.commit(), c.rev(), c.since(), c.blocks(), c.ops(), c.blobs(),
        prevData, c.time());
  }

  static Write post(String rkey) {
    return Write.create(RepoPath.parse(POST + "/" + rkey), Streams.post(rkey));
  }

  static Commit commitOf(CommitEvent c) {
    return Commit.decode(CarReader.readAll(c.blocks(), CarReader.Limits.DEFAULT).blocks().get(c.commit()));
  }

  static void assertClean(Verdict v, String what) {
    assertEquals(Verdict.Status.VALID, v.status(), what + ": " + v);
    assertEquals(List.of(), v.findings(), what);
  }

  static void assertStatus(Verdict.Status status, Reason reason, Action action, Verdict v) {
    assertEquals(status, v.status(), v.toString());
    assertTrue(v.findings().stream().anyMatch(f -> f.reason() == reason && f.action() == action),
        "expected " + reason + " (" + action + ") in " + v);
  }

  static AccountState state(CommitVerifier v) {
    return v.chainState().get(Streams.DID).orElseThrow();
  }

  @Test
  void accountCreationAsTheReferencePdsSendsItIsValidWithoutFindings() {
    for (Policy policy : Policy.values()) {
      Repository repo = Streams.repo();
      CommitResult genesis = repo.apply(List.of());
      CommitVerifier v = verifier(policy);
      // one batch: #identity, #account active, the genesis #commit (rev R), #sync of the same commit (rev R)
      assertClean(v.verify(identity(1, "alice.test")), policy + " #identity");
      assertClean(v.verify(account(2, true, null)), policy + " #account");
      assertClean(v.verify(pdsCommit(genesis, 3)), policy + " genesis #commit");
      assertEquals(genesis.rev(), state(v).rev());
      assertClean(v.verify(SyncEvent.of(genesis.commit(), 4, Instant.now())), policy + " #sync with the same rev");
      assertEquals(new AccountState(genesis.rev(), genesis.commitCid(), genesis.commit().data()), state(v));
      // the next commit's since is that rev and its prevData that tree
      CommitResult first = repo.apply(List.of(post("a")));
      assertEquals(Optional.of(genesis.rev()), first.since());
      assertClean(v.verify(pdsCommit(first, 5)), policy + " #commit after the #sync");
      assertEquals(first.rev(), state(v).rev());
    }
  }

  @Test
  void aGenesisWithRecordsAndASyncAfterItAreValid() {
    Repository repo = Streams.repo();
    CommitResult genesis = repo.apply(List.of(post("a"), post("b")));
    CommitVerifier v = verifier(Policy.STRICT);
    assertClean(v.verify(pdsCommit(genesis, 10)), "genesis with records, no prevData");
    assertClean(v.verify(SyncEvent.of(genesis.commit(), 11, Instant.now())), "#sync of it");
  }

  @Test
  void statusChangesAndReactivationAsTheReferencePdsSendsThemAreValidWithoutFindings() {
    Repository repo = Streams.repo();
    CommitVerifier v = verifier(Policy.STRICT);
    long seq = 1;
    CommitResult genesis = repo.apply(List.of());
    assertClean(v.verify(pdsCommit(genesis, seq++)), "genesis");
    assertClean(v.verify(SyncEvent.of(genesis.commit(), seq++, Instant.now())), "creation #sync");
    CommitResult last = null;
    for (int i = 0; i < 3; i++) {
      last = repo.apply(List.of(post("p" + i)));
      assertClean(v.verify(pdsCommit(last, seq++)), "commit " + i);
    }
    AccountState before = state(v);
    // handle change, PLC operation (no handle), deactivation, takedown and their reversal
    assertClean(v.verify(identity(seq++, "alice2.test")), "#identity with handle");
    assertClean(v.verify(identity(seq++, null)), "#identity without handle");
    for (String status : List.of("deactivated", "takendown", "suspended", "desynchronized", "throttled")) {
      assertClean(v.verify(account(seq++, false, status)), "#account " + status);
    }
    // reactivation: #account active (no status), #identity (handle.invalid when the handle is broken),
    // #sync with the current rev
    assertClean(v.verify(account(seq++, true, null)), "#account active");
    assertClean(v.verify(identity(seq++, "handle.invalid")), "#identity handle.invalid");
    assertClean(v.verify(SyncEvent.of(last.commit(), seq++, Instant.now())), "#sync with the current rev");
    assertEquals(before, state(v), "a re-announcement does not move the chain state");
    // deletion
    assertClean(v.verify(account(seq++, false, "deleted")), "#account deleted");
    // and the chain goes on
    CommitResult next = repo.apply(List.of(post("after")));
    assertClean(v.verify(pdsCommit(next, seq++)), "commit after reactivation");
  }

  @Test
  void aSyncWithAnOlderRevIsIgnoredStrictlyAndReanchorsUnderIndigo() {
    Repository repo = Streams.repo();
    List<CommitEvent> stream = Streams.commits(repo, 0, 5);
    Commit old = commitOf(stream.get(1));
    for (Policy policy : Policy.values()) {
      CommitVerifier v = verifier(policy);
      for (CommitEvent e : stream.subList(0, 4)) {
        assertClean(v.verify(e), policy + " seq " + e.seq());
      }
      AccountState before = state(v);
      Verdict s = v.verify(SyncEvent.of(old, 50, Instant.now()));
      switch (policy) {
        case STRICT:
          assertStatus(Verdict.Status.IGNORED, Reason.STALE_SYNC, Action.IGNORE, s);
          assertFalse(s.accepted());
          assertEquals(Reason.STALE_SYNC, s.cause().orElseThrow().reason());
          assertTrue(s.cause().get().message().contains(old.rev().value()), s.toString());
          assertEquals(before, state(v), "an ignored #sync does not move the chain");
          // the live chain goes on
          assertClean(v.verify(stream.get(4).withSeq(51)), "next commit");
          break;
        default:
          // the Go relay accepts any #sync and re-anchors the account at it
          assertStatus(Verdict.Status.VALID, Reason.STALE_SYNC, Action.WARN, s);
          assertTrue(s.accepted());
          assertEquals(new AccountState(old.rev(), old.cid(), old.data()), state(v));
          break;
      }
    }
  }

  @Test
  void aSyncWithTheLastRevButAnotherCommitIsIgnored() {
    Repository repo = Streams.repo();
    List<CommitEvent> stream = Streams.commits(repo, 0, 3);
    CommitVerifier v = verifier(Policy.STRICT);
    for (CommitEvent e : stream) {
      v.verify(e);
    }
    AccountState before = state(v);
    Commit head = repo.head().orElseThrow();
    Commit other = Commit.unsigned(head.did(), commitOf(stream.get(0)).data(), head.rev()).sign(Streams.KEY);
    Verdict s = v.verify(SyncEvent.of(other, 10, Instant.now()));
    assertStatus(Verdict.Status.IGNORED, Reason.STALE_SYNC, Action.IGNORE, s);
    assertTrue(s.cause().orElseThrow().message().contains(other.cid().toString()), s.toString());
    assertEquals(before, state(v));
    // the re-announcement of the real head is still fine
    assertClean(v.verify(SyncEvent.of(head, 11, Instant.now())), "re-announcement");
    // a #sync with a newer rev re-anchors
    CommitResult skipped = repo.apply(List.of(post("unseen")));
    assertClean(v.verify(SyncEvent.of(skipped.commit(), 12, Instant.now())), "newer #sync");
    assertEquals(skipped.rev(), state(v).rev());
    // and for an account never seen, a #sync anchors
    CommitVerifier fresh = verifier(Policy.STRICT);
    assertClean(fresh.verify(SyncEvent.of(head, 1, Instant.now())), "first sight");
    assertEquals(head.rev(), state(fresh).rev());
  }

  @Test
  void aCommitWithTheLastRevOrAnOlderOneIsIgnored() {
    Repository repo = Streams.repo();
    List<CommitEvent> stream = Streams.commits(repo, 0, 6);
    for (Policy policy : List.of(Policy.STRICT, Policy.INDIGO_COMPAT)) {
      CommitVerifier v = verifier(policy);
      for (CommitEvent e : stream.subList(0, 4)) {
        v.verify(e);
      }
      AccountState before = state(v);
      Verdict same = v.verify(stream.get(3).withSeq(20));
      assertStatus(Verdict.Status.IGNORED, Reason.STALE_COMMIT, Action.IGNORE, same);
      // only the stale finding: since and prevData of a replay say nothing about the chain
      assertEquals(1, same.findings().size(), same.toString());
      assertTrue(same.cause().orElseThrow().message().contains("the same rev again"), same.toString());
      Verdict older = v.verify(stream.get(1).withSeq(21));
      assertStatus(Verdict.Status.IGNORED, Reason.STALE_COMMIT, Action.IGNORE, older);
      assertEquals(1, older.findings().size(), older.toString());
      assertEquals(before, state(v));
      // a replay of the genesis (no since, no prevData) is stale, not a missing prevData
      Verdict genesis = v.verify(stream.get(0).withSeq(22));
      assertEquals(Verdict.Status.IGNORED, genesis.status(), genesis.toString());
      assertClean(v.verify(stream.get(4).withSeq(23)), policy + ": the live chain goes on");
    }
    // lenient: a warning, and the chain follows the message
    CommitVerifier lenient = verifier(Policy.LENIENT);
    for (CommitEvent e : stream.subList(0, 4)) {
      lenient.verify(e);
    }
    assertStatus(Verdict.Status.VALID, Reason.STALE_COMMIT, Action.WARN, lenient.verify(stream.get(1).withSeq(20)));
    assertEquals(stream.get(1).rev(), state(lenient).rev());
  }

  @Test
  void aStaleCommitThatIsAlsoForgedIsInvalid() {
    Repository repo = Streams.repo();
    List<CommitEvent> stream = Streams.commits(repo, 0, 4);
    CommitVerifier v = verifier(Policy.STRICT);
    for (CommitEvent e : stream) {
      v.verify(e);
    }
    CommitEvent old = stream.get(1);
    Commit c = commitOf(old);
    CommitEvent forged = CommitVerifierTest.resign(old.withSeq(30), c, PrivateKey.generate(Curve.SECP256K1));
    Verdict verdict = v.verify(forged);
    assertEquals(Verdict.Status.INVALID, verdict.status(), verdict.toString());
    assertEquals(Reason.BAD_SIGNATURE, verdict.cause().orElseThrow().reason());
    assertTrue(verdict.findings().stream().anyMatch(f -> f.reason() == Reason.STALE_COMMIT));
  }

  @Test
  void seqMustIncreaseOnTheStream() {
    Repository repo = Streams.repo();
    List<CommitEvent> stream = Streams.commits(repo, 0, 3); // seqs 1, 2, 3
    Commit head = repo.head().orElseThrow();
    for (Policy policy : Policy.values()) {
      CommitVerifier v = verifier(policy);
      for (CommitEvent e : stream) {
        assertClean(v.verify(e), policy + " seq " + e.seq());
      }
      assertEquals(3, v.lastSeq().getAsLong());
      List<StreamEvent> bad = List.of(identity(3, null), account(2, true, null),
          SyncEvent.of(head, 1, Instant.now()), stream.get(2));
      for (StreamEvent e : bad) {
        Verdict verdict = v.verify(e);
        Action expected = policy == Policy.STRICT ? Action.DROP : Action.WARN;
        assertTrue(verdict.findings().stream().anyMatch(f -> f.reason() == Reason.SEQ_NOT_INCREASING
            && f.action() == expected), policy + " " + e + ": " + verdict);
        if (policy == Policy.STRICT) {
          assertEquals(Verdict.Status.INVALID, verdict.status());
          assertEquals(Reason.SEQ_NOT_INCREASING, verdict.cause().orElseThrow().reason());
        }
      }
      Verdict repeated = v.verify(identity(3, null));
      assertTrue(repeated.findings().get(0).message().contains("repeated"), repeated.toString());
      Verdict backwards = v.verify(identity(1, null));
      assertTrue(backwards.findings().get(0).message().contains("went backwards"), backwards.toString());
      assertEquals(3, v.lastSeq().getAsLong(), "never rewinds");
      assertClean(v.verify(identity(4, null)), policy + " seq 4");
      assertEquals(4, v.lastSeq().getAsLong());
    }
    // switched off: frames from several hosts, retries, parallel lanes
    CommitVerifier off = builder(Policy.STRICT).withoutSeqCheck().build();
    for (CommitEvent e : stream) {
      off.verify(e);
    }
    assertClean(off.verify(identity(1, null)), "seq check off");
    assertClean(off.verify(identity(3, null)), "seq check off");
  }

  @Test
  void anInvalidMessageDoesNotAdvanceTheSeqAndCheckDoesNotEither() {
    CommitVerifier v = verifier(Policy.STRICT);
    assertClean(v.verify(identity(5, null)), "seq 5");
    Verdict bad = v.verify(identityFrame(1000, "not a did"));
    assertEquals(Verdict.Status.INVALID, bad.status());
    assertEquals(Reason.INVALID_SYNTAX, bad.cause().orElseThrow().reason(), bad.toString());
    assertEquals(5, v.lastSeq().getAsLong());
    assertClean(v.check(identity(6, null)), "check");
    assertEquals(5, v.lastSeq().getAsLong());
    v.record(identity(6, null));
    assertEquals(6, v.lastSeq().getAsLong());
    assertEquals(Reason.SEQ_NOT_INCREASING, v.check(identity(6, null)).cause().orElseThrow().reason());
  }

  @Test
  void recordingAStaleMessageDoesNotMoveTheChain() {
    Repository repo = Streams.repo();
    List<CommitEvent> stream = Streams.commits(repo, 0, 3);
    CommitVerifier v = verifier(Policy.STRICT);
    for (CommitEvent e : stream) {
      assertClean(v.check(e), "check " + e.seq());
      v.record(e);
    }
    AccountState head = state(v);
    CommitEvent replay = stream.get(0).withSeq(10);
    assertEquals(Verdict.Status.IGNORED, v.check(replay).status());
    v.record(replay);
    assertEquals(head, state(v));
    assertEquals(10, v.lastSeq().getAsLong());
    v.record(SyncEvent.of(commitOf(stream.get(1)), 11, Instant.now()));
    assertEquals(head, state(v));
  }

  @Test
  void concurrentVerificationKeepsTheHighestSeq() throws Exception {
    CommitVerifier v = builder(Policy.LENIENT).build();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 2000; i++) {
            v.verify(identity(1 + i * 4L + thread, null));
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(8000, v.lastSeq().getAsLong());
  }

  /** {@code {"text": "hi", "$type": POST}} canonically, and two non-canonical spellings of it. */
  static byte[] record(String variant) {
    byte[] type = ("e$type" + "r" + POST).getBytes(StandardCharsets.US_ASCII);
    type[0] = 0x65; // text(5) "$type"
    type[6] = 0x72; // text(18) POST
    byte[] text = {0x64, 't', 'e', 'x', 't'};
    switch (variant) {
      case "canonical":
        return concat(new byte[] {(byte) 0xa2}, text, new byte[] {0x62, 'h', 'i'}, type);
      case "unsorted":
        // "$type" (5 bytes) before "text" (4 bytes): canonical order is shorter keys first
        return concat(new byte[] {(byte) 0xa2}, type, text, new byte[] {0x62, 'h', 'i'});
      default:
        // "hi" with a two-byte length head (0x78 0x02) where one byte (0x62) is the shortest form
        return concat(new byte[] {(byte) 0xa2}, text, new byte[] {0x78, 0x02, 'h', 'i'}, type);
    }
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /**
   * A signed genesis commit of two creates whose second record is {@code bad}: the record CID is
   * the hash of exactly those bytes, so the CAR's hash check passes and the tree points at them.
   */
  static CommitEvent genesisWith(byte[] bad) {
    byte[] good = record("canonical");
    Cid goodCid = Cid.ofDagCbor(good);
    Cid badCid = Cid.ofDagCbor(bad);
    Mst tree = Mst.empty(BlockSource.EMPTY).put(POST + "/a", goodCid).put(POST + "/b", badCid);
    Tid rev = Tid.of(Instant.now().toEpochMilli() * 1000, 0);
    Commit commit = Commit.unsigned(Streams.DID, tree.rootCid(), rev).sign(Streams.KEY);
    Map<Cid, byte[]> blocks = new LinkedHashMap<>();
    blocks.put(commit.cid(), commit.encode());
    blocks.putAll(tree.allNodes());
    blocks.put(goodCid, good);
    blocks.put(badCid, bad);
    return new CommitEvent(1, false, false, Streams.DID, commit.cid(), rev, Optional.empty(),
        CarWriter.toBytes(commit.cid(), blocks), List.of(CommitOp.create(POST + "/a", goodCid),
            CommitOp.create(POST + "/b", badCid)), List.of(), Optional.empty(), TIME);
  }

  @Test
  void aRecordBlockThatIsNotCanonicalDagCborIsFound() {
    // the construction itself is sound: with a canonical record the commit is clean
    assertClean(verifier(Policy.STRICT).verify(genesisWith(record("canonical"))), "canonical control");
    Map<String, String> rules = Map.of("unsorted", "UNSORTED_MAP_KEYS at byte 26",
        "nonMinimal", "NON_MINIMAL_ENCODING at byte 6");
    for (Map.Entry<String, String> variant : rules.entrySet()) {
      byte[] bad = record(variant.getKey());
      CommitEvent e = genesisWith(bad);
      Verdict strict = verifier(Policy.STRICT).verify(e);
      assertStatus(Verdict.Status.INVALID, Reason.RECORD_NOT_CANONICAL, Action.DROP, strict);
      assertEquals(1, strict.findings().size(), strict.toString());
      String message = strict.cause().orElseThrow().message();
      assertTrue(message.startsWith("ops[1] create " + POST + "/b record " + Cid.ofDagCbor(bad)), message);
      String[] ruleAndOffset = variant.getValue().split(" at byte ");
      assertTrue(message.contains(ruleAndOffset[0]), message);
      assertTrue(message.contains("(at byte " + ruleAndOffset[1] + ")"), message);
      // the Go relay does not decode records
      assertStatus(Verdict.Status.VALID, Reason.RECORD_NOT_CANONICAL, Action.WARN,
          verifier(Policy.INDIGO_COMPAT).verify(e));
      assertStatus(Verdict.Status.VALID, Reason.RECORD_NOT_CANONICAL, Action.WARN,
          verifier(Policy.LENIENT).verify(e));
    }
  }

  @Test
  void verdictPrecedenceIsDropThenIgnoreThenDiscontinuity() {
    Finding drop = new Finding(Reason.BAD_SIGNATURE, Action.DROP, "d");
    Finding ignore = new Finding(Reason.STALE_COMMIT, Action.IGNORE, "i");
    Finding disc = new Finding(Reason.SINCE_MISMATCH, Action.DISCONTINUITY, "s");
    Finding warn = new Finding(Reason.CAR_ROOT_MISMATCH, Action.WARN, "w");
    Verdict all = Verdict.of(List.of(warn, disc, ignore, drop));
    assertEquals(Verdict.Status.INVALID, all.status());
    assertEquals(drop, all.cause().orElseThrow());
    Verdict ignored = Verdict.of(List.of(warn, disc, ignore));
    assertEquals(Verdict.Status.IGNORED, ignored.status());
    assertEquals(ignore, ignored.cause().orElseThrow());
    assertFalse(ignored.accepted());
    Verdict discontinuous = Verdict.of(List.of(warn, disc));
    assertEquals(Verdict.Status.DISCONTINUOUS, discontinuous.status());
    assertEquals(disc, discontinuous.cause().orElseThrow());
    assertTrue(discontinuous.accepted());
    Verdict valid = Verdict.of(List.of(warn));
    assertEquals(Verdict.Status.VALID, valid.status());
    assertTrue(valid.cause().isEmpty());
    assertTrue(valid.accepted());
  }

  @Test
  void policiesTreatTheNewReasonsAsSpecified() {
    assertEquals(Action.IGNORE, Policy.STRICT.actionFor(Reason.STALE_COMMIT));
    assertEquals(Action.IGNORE, Policy.STRICT.actionFor(Reason.STALE_SYNC));
    assertEquals(Action.DROP, Policy.STRICT.actionFor(Reason.SEQ_NOT_INCREASING));
    assertEquals(Action.DROP, Policy.STRICT.actionFor(Reason.RECORD_NOT_CANONICAL));
    assertEquals(Action.IGNORE, Policy.INDIGO_COMPAT.actionFor(Reason.STALE_COMMIT));
    assertEquals(Action.WARN, Policy.INDIGO_COMPAT.actionFor(Reason.STALE_SYNC));
    assertEquals(Action.WARN, Policy.INDIGO_COMPAT.actionFor(Reason.SEQ_NOT_INCREASING));
    assertEquals(Action.WARN, Policy.INDIGO_COMPAT.actionFor(Reason.RECORD_NOT_CANONICAL));
    for (Reason r : List.of(Reason.STALE_COMMIT, Reason.STALE_SYNC, Reason.SEQ_NOT_INCREASING,
        Reason.RECORD_NOT_CANONICAL)) {
      assertEquals(Action.WARN, Policy.LENIENT.actionFor(r), r.toString());
    }
  }
}
