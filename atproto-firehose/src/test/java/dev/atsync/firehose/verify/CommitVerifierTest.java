package dev.atsync.firehose.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.car.CarReader;
import dev.atsync.car.CarWriter;
import dev.atsync.cbor.CborWriter;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.crypto.PublicKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.CommitOp;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.SyncEvent;
import dev.atsync.firehose.identity.KeySource;
import dev.atsync.repo.Commit;
import dev.atsync.repo.Repository;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One test per rejection reason, each made by corrupting a valid generated stream. */
class CommitVerifierTest {
  Repository repo;
  List<CommitEvent> stream;

  @BeforeEach
  void generate() {
    repo = Streams.repo();
    stream = Streams.commits(repo, 300, 6);
  }

  CommitVerifier verifier(Policy policy) {
    return CommitVerifier.builder().policy(policy).keys(KeySource.of(Map.of(Streams.DID, Streams.KEY.publicKey())))
        .build();
  }

  /** Verifies every event before {@code index} (so the chain state is right), then returns the verdict of the event. */
  Verdict verdictAt(int index, CommitEvent replacement, Policy policy) {
    CommitVerifier v = verifier(policy);
    for (int i = 0; i < index; i++) {
      assertEquals(Verdict.Status.VALID, v.verify(stream.get(i)).status(), "event " + i);
    }
    return v.verify(replacement);
  }

  Verdict corrupt(int index, CommitEvent replacement) {
    return verdictAt(index, replacement, Policy.STRICT);
  }

  static void assertReason(Reason reason, Verdict v) {
    assertEquals(Verdict.Status.INVALID, v.status(), v.toString());
    assertTrue(v.findings().stream().anyMatch(f -> f.reason() == reason), "expected " + reason + " in " + v);
  }

  static CommitEvent with(CommitEvent c, byte[] blocks) {
    return new CommitEvent(c.seq(), c.rebase(), c.tooBig(), c.repo(), c.commit(), c.rev(), c.since(), blocks, c.ops(),
        c.blobs(), c.prevData(), c.time());
  }

  static CommitEvent withOps(CommitEvent c, List<CommitOp> ops) {
    return new CommitEvent(c.seq(), c.rebase(), c.tooBig(), c.repo(), c.commit(), c.rev(), c.since(), c.blocks(), ops,
        c.blobs(), c.prevData(), c.time());
  }

  static Map<Cid, byte[]> blocks(CommitEvent c) {
    return new LinkedHashMap<>(CarReader.readAll(c.blocks(), CarReader.Limits.DEFAULT).blocks());
  }

  /** Re-signs a modified commit so only the intended check fails. */
  static CommitEvent resign(CommitEvent c, Commit modified, PrivateKey key) {
    return withCommit(c, modified.sign(key));
  }

  /** The event with its commit block (and the CAR root, commit CID and rev) replaced. */
  static CommitEvent withCommit(CommitEvent c, Commit replacement) {
    Map<Cid, byte[]> b = blocks(c);
    b.remove(c.commit());
    Cid cid = replacement.cid();
    Map<Cid, byte[]> out = new LinkedHashMap<>();
    out.put(cid, replacement.encode());
    out.putAll(b);
    return new CommitEvent(c.seq(), false, false, c.repo(), cid, replacement.rev(), c.since(),
        CarWriter.toBytes(cid, out), c.ops(), c.blobs(), c.prevData(), c.time());
  }

  @Test
  void aGeneratedStreamVerifies() {
    CommitVerifier v = verifier(Policy.STRICT);
    for (CommitEvent e : stream) {
      Verdict verdict = v.verify(e.toFrame());
      assertEquals(Verdict.Status.VALID, verdict.status(), verdict.toString());
      assertEquals(List.of(), verdict.findings());
    }
    assertEquals(stream.get(stream.size() - 1).rev(), v.chainState().get(Streams.DID).orElseThrow().rev());
  }

  @Test
  void badSignature() {
    CommitEvent c = stream.get(3);
    Commit commit = Commit.decode(blocks(c).get(c.commit()));
    byte[] sig = commit.sig();
    sig[10] ^= 1;
    Commit forged = new Commit(commit.did(), 3, commit.data(), commit.rev(), commit.prev(), sig);
    assertReason(Reason.BAD_SIGNATURE, corrupt(3, withCommit(c, forged)));
  }

  @Test
  void wrongKey() {
    CommitEvent c = stream.get(2);
    Commit commit = Commit.decode(blocks(c).get(c.commit()));
    assertReason(Reason.BAD_SIGNATURE, corrupt(2, resign(c, commit, PrivateKey.generate(Curve.SECP256K1))));
  }

  @Test
  void highS() {
    CommitEvent c = stream.get(2);
    Commit commit = Commit.decode(blocks(c).get(c.commit()));
    byte[] sig = commit.sig();
    // s' = n - s has the same validity for plain ECDSA but is high-S: strict verifiers reject it
    java.math.BigInteger n = new java.math.BigInteger(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
    java.math.BigInteger s = new java.math.BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    byte[] high = n.subtract(s).toByteArray();
    byte[] sig2 = sig.clone();
    Arrays.fill(sig2, 32, 64, (byte) 0);
    System.arraycopy(high, Math.max(0, high.length - 32), sig2, 64 - Math.min(32, high.length), Math.min(32, high.length));
    Commit forged = new Commit(commit.did(), 3, commit.data(), commit.rev(), commit.prev(), sig2);
    assertReason(Reason.BAD_SIGNATURE, corrupt(2, withCommit(c, forged)));
  }

  @Test
  void missingProofBlock() {
    CommitEvent c = stream.get(4);
    Commit commit = Commit.decode(blocks(c).get(c.commit()));
    Map<Cid, byte[]> b = blocks(c);
    b.remove(commit.data());
    Verdict v = corrupt(4, with(c, CarWriter.toBytes(c.commit(), b)));
    assertReason(Reason.PROOF_INCOMPLETE, v);
  }

  @Test
  void opMissingFromTheTree() {
    CommitEvent c = stream.get(3);
    List<CommitOp> ops = new ArrayList<>(c.ops());
    CommitOp first = ops.get(0);
    ops.set(0, CommitOp.create(first.path(), Cid.ofDagCbor(new byte[] {(byte) 0xa1, 0x61, 0x61, 0x01})));
    assertReason(Reason.OP_NOT_IN_TREE, corrupt(3, withOps(c, ops)));
  }

  @Test
  void aLegacyOpShapeIsAFindingNotACrash() {
    // an update without prev (pre-Sync v1.1): it cannot become an Operation, so it cannot be inverted
    CommitEvent c = stream.get(4);
    List<CommitOp> ops = new ArrayList<>(c.ops());
    int u = -1;
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i).action().equals("update")) {
        u = i;
      }
    }
    CommitOp update = ops.get(u);
    ops.set(u, new CommitOp("update", update.path(), update.cid(), Optional.empty()));
    CommitEvent legacy = withOps(c, ops);
    Verdict strict = corrupt(4, legacy);
    assertReason(Reason.BAD_OP_SHAPE, strict);
    assertTrue(strict.findings().stream().noneMatch(f -> f.reason() == Reason.INVERSION_MISMATCH), strict.toString());
    // the Go relay only logs it: the rest of the commit still verifies, and the frame decodes
    Verdict compat = verdictAt(4, legacy, Policy.INDIGO_COMPAT);
    assertEquals(Verdict.Status.VALID, compat.status(), compat.toString());
    assertEquals(Reason.BAD_OP_SHAPE, compat.findings().get(0).reason());
    assertEquals(legacy.ops(), ((CommitEvent) Frame.decode(legacy.toFrame().bytes()).event()).ops());
  }

  @Test
  void recordBlockMissing() {
    CommitEvent c = stream.get(3);
    Map<Cid, byte[]> b = blocks(c);
    b.remove(c.ops().get(0).cid().orElseThrow());
    assertReason(Reason.RECORD_BLOCK_MISSING, corrupt(3, with(c, CarWriter.toBytes(c.commit(), b))));
  }

  @Test
  void wrongPrevData() {
    CommitEvent c = stream.get(3);
    CommitEvent e = new CommitEvent(c.seq(), false, false, c.repo(), c.commit(), c.rev(), c.since(), c.blocks(), c.ops(),
        c.blobs(), Optional.of(Cid.ofDagCbor(new byte[] {(byte) 0xa0})), c.time());
    Verdict v = corrupt(3, e);
    assertReason(Reason.INVERSION_MISMATCH, v);
    assertTrue(v.findings().stream().anyMatch(f -> f.reason() == Reason.PREV_DATA_MISMATCH));
  }

  @Test
  void opOmittedFromTheListFailsInversion() {
    CommitEvent c = stream.get(3);
    assertReason(Reason.INVERSION_MISMATCH, corrupt(3, withOps(c, c.ops().subList(1, c.ops().size()))));
  }

  @Test
  void staleCommitIsIgnored() {
    // an older commit again, with a fresh seq: stale, not invalid
    Verdict v = corrupt(4, stream.get(2).withSeq(stream.get(3).seq() + 1));
    assertEquals(Verdict.Status.IGNORED, v.status(), v.toString());
    assertEquals(Reason.STALE_COMMIT, v.cause().orElseThrow().reason());
    // the same commit with its old seq is also a repeated seq: invalid on a strict stream
    Verdict replay = corrupt(4, stream.get(2));
    assertReason(Reason.SEQ_NOT_INCREASING, replay);
    assertTrue(replay.findings().stream().anyMatch(f -> f.reason() == Reason.STALE_COMMIT), replay.toString());
  }

  @Test
  void sinceGapIsADiscontinuity() {
    // skip event 3: event 4's since and prevData no longer match the last commit seen
    CommitVerifier v = verifier(Policy.STRICT);
    for (int i = 0; i < 3; i++) {
      v.verify(stream.get(i));
    }
    Verdict verdict = v.verify(stream.get(4));
    assertEquals(Verdict.Status.DISCONTINUOUS, verdict.status(), verdict.toString());
    assertTrue(verdict.accepted());
    assertEquals(Reason.SINCE_MISMATCH, verdict.cause().orElseThrow().reason());
    // the Go relay only logs a broken chain
    CommitVerifier compat = verifier(Policy.INDIGO_COMPAT);
    for (int i = 0; i < 3; i++) {
      compat.verify(stream.get(i));
    }
    Verdict c = compat.verify(stream.get(4));
    assertEquals(Verdict.Status.VALID, c.status());
    assertTrue(c.findings().stream().allMatch(f -> f.action() == Action.WARN), c.toString());
  }

  @Test
  void carRootNotCommit() {
    CommitEvent c = stream.get(3);
    Map<Cid, byte[]> b = blocks(c);
    Cid other = b.keySet().stream().filter(k -> !k.equals(c.commit())).findFirst().orElseThrow();
    assertReason(Reason.CAR_ROOT_MISMATCH, corrupt(3, with(c, CarWriter.toBytes(other, b))));
    assertEquals(Verdict.Status.VALID, verdictAt(3, with(c, CarWriter.toBytes(other, b)), Policy.INDIGO_COMPAT).status());
  }

  @Test
  void nonCanonicalEncodingIsAMalformedFrame() {
    byte[] frame = stream.get(1).toFrame().bytes();
    // swap the header keys' order: t after op is not canonical
    CborWriter h = new CborWriter();
    h.writeMapHeader(2);
    h.writeKey("op");
    h.writeLong(1);
    h.writeKey("t");
    h.writeText("#commit");
    byte[] good = new CborWriter().toByteArray();
    assertEquals(0, good.length);
    int headerLen = frame.length - Frame.decode(frame).bodyBytes().length;
    byte[] bad = new byte[frame.length];
    System.arraycopy(h.toByteArray(), 0, bad, 0, headerLen);
    System.arraycopy(frame, headerLen, bad, headerLen, frame.length - headerLen);
    try {
      Frame.decode(bad);
      throw new AssertionError("non-canonical header accepted");
    } catch (dev.atsync.firehose.InvalidFrameException expected) {
      assertTrue(expected.getMessage().contains("UNSORTED_MAP_KEYS"), expected.getMessage());
    }
    // and a non-canonical commit block inside a valid frame is a bad commit
    CommitEvent c = stream.get(3);
    Map<Cid, byte[]> b = blocks(c);
    byte[] commitBlock = b.get(c.commit());
    Value.Map m = (Value.Map) DagCbor.decode(commitBlock);
    byte[] longForm = nonMinimalVersion(commitBlock);
    Cid cid = Cid.ofDagCbor(longForm);
    b.remove(c.commit());
    Map<Cid, byte[]> out = new LinkedHashMap<>();
    out.put(cid, longForm);
    out.putAll(b);
    CommitEvent e = new CommitEvent(c.seq(), false, false, c.repo(), cid, c.rev(), c.since(), CarWriter.toBytes(cid, out),
        c.ops(), c.blobs(), c.prevData(), c.time());
    assertTrue(m.entries().containsKey("version"));
    assertReason(Reason.BAD_COMMIT, corrupt(3, e));
  }

  /** The commit block with {@code version: 3} written as a two-byte integer. */
  static byte[] nonMinimalVersion(byte[] block) {
    byte[] key = {0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x03};
    int at = indexOf(block, key);
    byte[] out = new byte[block.length + 1];
    System.arraycopy(block, 0, out, 0, at + 8);
    out[at + 8] = 0x18;
    out[at + 9] = 0x03;
    System.arraycopy(block, at + 9, out, at + 10, block.length - at - 9);
    return out;
  }

  static int indexOf(byte[] h, byte[] n) {
    outer:
    for (int i = 0; i <= h.length - n.length; i++) {
      for (int j = 0; j < n.length; j++) {
        if (h[i + j] != n[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  @Test
  void overLimitOpsAndBlocks() {
    CommitEvent c = stream.get(3);
    List<CommitOp> many = new ArrayList<>();
    for (int i = 0; i < 201; i++) {
      many.add(CommitOp.create("app.bsky.feed.post/x" + i, c.commit()));
    }
    assertReason(Reason.OVER_LIMIT, corrupt(3, withOps(c, many)));
    byte[] huge = Arrays.copyOf(c.blocks(), 2_000_001);
    assertReason(Reason.OVER_LIMIT, corrupt(3, with(c, huge)));
  }

  @Test
  void malformedFrame() {
    byte[] f = stream.get(1).toFrame().bytes();
    CommitVerifier v = verifier(Policy.STRICT);
    Frame frame = Frame.decode(f);
    assertEquals(Verdict.Status.VALID, v.verify(stream.get(0)).status());
    assertEquals(Verdict.Status.VALID, v.verify(frame).status());
    // a body that is not a #commit at all
    CborWriter body = new CborWriter();
    body.writeMapHeader(1);
    body.writeKey("seq");
    body.writeLong(1);
    byte[] header = Arrays.copyOf(f, f.length - frame.bodyBytes().length);
    byte[] bad = new byte[header.length + body.size()];
    System.arraycopy(header, 0, bad, 0, header.length);
    System.arraycopy(body.toByteArray(), 0, bad, header.length, body.size());
    assertReason(Reason.MALFORMED_FRAME, v.verify(Frame.decode(bad)));
  }

  @Test
  void truncatedCar() {
    CommitEvent c = stream.get(3);
    assertReason(Reason.BAD_CAR, corrupt(3, with(c, Arrays.copyOf(c.blocks(), c.blocks().length - 7))));
  }

  @Test
  void emptyBlocks() {
    assertReason(Reason.BLOCKS_MISSING, corrupt(3, with(stream.get(3), new byte[0])));
  }

  @Test
  void didAndRevMismatch() {
    CommitEvent c = stream.get(3);
    CommitEvent otherRev = new CommitEvent(c.seq(), false, false, c.repo(), c.commit(), Tid.parse("3zzzzzzzzzzzz".replace('z', 'a')),
        c.since(), c.blocks(), c.ops(), c.blobs(), c.prevData(), c.time());
    assertReason(Reason.REV_MISMATCH, corrupt(3, otherRev));
    CommitEvent otherDid = new CommitEvent(c.seq(), false, false, Did.parse("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), c.commit(), c.rev(),
        Optional.empty(), c.blocks(), c.ops(), c.blobs(), c.prevData(), c.time());
    assertReason(Reason.DID_MISMATCH, verifier(Policy.STRICT).verify(otherDid));
  }

  @Test
  void revInTheFuture() {
    CommitVerifier past = CommitVerifier.builder().clock(Clock.fixed(Instant.parse("2020-01-01T00:00:00Z"),
        ZoneOffset.UTC)).keys(KeySource.of(Map.of(Streams.DID, Streams.KEY.publicKey()))).build();
    assertReason(Reason.REV_IN_FUTURE, past.verify(stream.get(0)));
  }

  @Test
  void deprecatedFlags() {
    CommitEvent c = stream.get(3);
    CommitEvent tooBig = new CommitEvent(c.seq(), false, true, c.repo(), c.commit(), c.rev(), c.since(), c.blocks(),
        c.ops(), c.blobs(), c.prevData(), c.time());
    assertReason(Reason.TOO_BIG, corrupt(3, tooBig));
    CommitEvent rebase = new CommitEvent(c.seq(), true, false, c.repo(), c.commit(), c.rev(), c.since(), c.blocks(),
        c.ops(), c.blobs(), c.prevData(), c.time());
    assertReason(Reason.REBASE, corrupt(3, rebase));
    assertEquals(Verdict.Status.VALID, verdictAt(3, rebase, Policy.LENIENT).status());
  }

  @Test
  void syncReanchorsTheChain() {
    CommitVerifier v = verifier(Policy.STRICT);
    v.verify(stream.get(0));
    v.verify(stream.get(1));
    Commit head = repo.head().orElseThrow();
    Verdict s = v.verify(SyncEvent.of(head, 99, Instant.now()));
    assertEquals(Verdict.Status.VALID, s.status(), s.toString());
    assertEquals(head.rev(), v.chainState().get(Streams.DID).orElseThrow().rev());
    // a #sync signed by another key is refused
    Commit forged = Commit.unsigned(head.did(), head.data(), head.rev()).sign(PrivateKey.generate(Curve.P256));
    assertReason(Reason.BAD_SIGNATURE, verifier(Policy.STRICT).verify(SyncEvent.of(forged, 100, Instant.now())));
  }

  @Test
  void keyRotationIsPickedUpByOneRefresh() throws Exception {
    PrivateKey rotated = PrivateKey.generate(Curve.P256);
    PublicKey[] current = {Streams.KEY.publicKey()};
    int[] refreshes = {0};
    KeySource source = (did, check) -> {
      if (check.test(current[0])) {
        return true;
      }
      refreshes[0]++;
      current[0] = rotated.publicKey();
      return check.test(current[0]);
    };
    CommitVerifier v = CommitVerifier.builder().keys(source).build();
    CommitEvent c = stream.get(0);
    Commit commit = Commit.decode(blocks(c).get(c.commit()));
    assertEquals(Verdict.Status.VALID, v.verify(resign(c, commit, rotated)).status());
    assertEquals(1, refreshes[0]);
  }

  @Test
  void signatureCheckingMustBeChosenAndTheVerdictSaysWhetherItRan() {
    IllegalStateException none = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> CommitVerifier.builder().build());
    assertTrue(none.getMessage().contains("keys(KeySource)") && none.getMessage().contains("unauthenticated()"),
        none.getMessage());
    Verdict signed = verifier(Policy.STRICT).verify(stream.get(0));
    assertEquals(Verdict.Status.VALID, signed.status());
    assertTrue(signed.signatureChecked());
    Verdict unsigned = CommitVerifier.builder().unauthenticated().build().verify(stream.get(0));
    assertEquals(Verdict.Status.VALID, unsigned.status());
    assertEquals(false, unsigned.signatureChecked());
    // a forged signature was checked (and failed); an unknown account's key could not be had
    CommitEvent c = stream.get(0);
    Commit commit = Commit.decode(blocks(c).get(c.commit()));
    Verdict forged = verifier(Policy.STRICT).verify(resign(c, commit, PrivateKey.generate(Curve.SECP256K1)));
    assertReason(Reason.BAD_SIGNATURE, forged);
    assertTrue(forged.signatureChecked());
    Verdict unknown = CommitVerifier.builder().keys(KeySource.of(Map.of())).build().verify(c);
    assertReason(Reason.IDENTITY_UNAVAILABLE, unknown);
    assertEquals(false, unknown.signatureChecked());
    // a later keys() or unauthenticated() replaces the earlier choice
    assertTrue(CommitVerifier.builder().unauthenticated().keys(KeySource.of(Map.of(Streams.DID, Streams.KEY.publicKey())))
        .build().verify(c).signatureChecked());
  }

  @Test
  void checkDoesNotAdvanceTheChainButRecordDoes() {
    CommitVerifier v = verifier(Policy.STRICT);
    assertEquals(Verdict.Status.VALID, v.check(stream.get(0)).status());
    assertTrue(v.chainState().get(Streams.DID).isEmpty());
    v.record(stream.get(0));
    assertEquals(stream.get(0).rev(), v.chainState().get(Streams.DID).orElseThrow().rev());
  }
}
