package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cbor.Value;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.AccountEvent;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.IdentityEvent;
import dev.atsync.firehose.SyncEvent;
import dev.atsync.firehose.verify.CommitVerifier;
import dev.atsync.firehose.identity.KeySource;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.CommitResult;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Real commits from a repository go through the default verifying check; forged ones do not. */
class VerifiedIngestTest {
  static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");

  static Value.Map post(String text) {
    return new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of(text),
        "createdAt", Value.of("2026-11-23T07:00:00.000Z")));
  }

  Inverter inverter(EventCheck check) {
    return Inverter.builder().log(EventLog.inMemory()).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly().check(check).build().start();
  }

  @Test
  void realCommitsPassAndBrokenOnesAreRefusedWithTheReason() {
    PrivateKey key = PrivateKey.generate(Curve.SECP256K1);
    Repository repo = Repository.create(DID, key, BlockStore.inMemory());
    try (Inverter inv = inverter(VerifyingCheck.structural())) {
      for (int i = 0; i < 5; i++) {
        CommitEvent e = CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + "p" + i),
            post("hello " + i)))), 1, Instant.now());
        assertEquals(1, inv.publish(List.of(e.toFrame())).size());
      }
      CommitEvent next = CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + "x"),
          post("x")))), 1, Instant.now());
      CommitEvent wrongPrev = new CommitEvent(1, false, false, next.repo(), next.commit(), next.rev(), next.since(),
          next.blocks(), next.ops(), next.blobs(), Optional.of(next.commit()), next.time());
      dev.atsync.firehose.ingest.IngestException e = assertThrows(dev.atsync.firehose.ingest.IngestException.class,
          () -> inv.publish(List.of(next.toFrame(), wrongPrev.toFrame())));
      assertEquals(400, e.status());
      assertEquals("InvalidCommit", e.errorName());
      assertEquals(java.util.OptionalInt.of(1), e.frameIndex());
      assertEquals("INVERSION_MISMATCH", e.reason().orElseThrow());
      assertTrue(e.getMessage().contains("prevData"), e.getMessage());
      assertEquals(5, inv.publish(List.of(Frame.decode(next.toFrame().bytes()))).get(0) - 1);
    }
  }

  @Test
  void signaturesAreCheckedWhenKeysAreKnown() {
    PrivateKey key = PrivateKey.generate(Curve.P256);
    PrivateKey other = PrivateKey.generate(Curve.P256);
    Repository honest = Repository.create(DID, key, BlockStore.inMemory());
    Repository forger = Repository.create(DID, other, BlockStore.inMemory());
    VerifyingCheck check = new VerifyingCheck(CommitVerifier.builder().withoutChainChecks().withoutSeqCheck()
        .keys(KeySource.of(Map.of(DID, key.publicKey()))).build());
    try (Inverter inv = inverter(check)) {
      inv.publish(List.of(CommitEvent.of(honest.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + "a"),
          post("a")))), 1, Instant.now()).toFrame()));
      dev.atsync.firehose.ingest.IngestException e = assertThrows(dev.atsync.firehose.ingest.IngestException.class, () -> inv.publish(List.of(
          CommitEvent.of(forger.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + "b"), post("b")))), 1,
              Instant.now()).toFrame())));
      assertEquals("BAD_SIGNATURE", e.reason().orElseThrow());
    }
  }

  @Test
  void theReferencePdsAccountCreationBatchIsAcceptedWhole() {
    PrivateKey key = PrivateKey.generate(Curve.SECP256K1);
    Repository repo = Repository.create(DID, key, BlockStore.inMemory());
    CommitResult genesis = repo.apply(List.of());
    CommitEvent c = CommitEvent.of(genesis, 3, Instant.now());
    // as the reference PDS sequences it: no prevData on the genesis commit
    CommitEvent commit = new CommitEvent(3, false, false, c.repo(), c.commit(), c.rev(), c.since(), c.blocks(), c.ops(),
        c.blobs(), Optional.empty(), c.time());
    Datetime time = c.time();
    List<Frame> batch = List.of(new IdentityEvent(1, DID, time, Optional.of(Handle.parse("alice.test"))).toFrame(),
        new AccountEvent(2, DID, time, true, Optional.empty()).toFrame(), commit.toFrame(),
        SyncEvent.of(genesis.commit(), 4, Instant.now()).toFrame());
    VerifyingCheck signed = new VerifyingCheck(CommitVerifier.builder().withoutChainChecks().withoutSeqCheck()
        .keys(KeySource.of(Map.of(DID, key.publicKey()))).build());
    for (VerifyingCheck check : List.of(VerifyingCheck.structural(), signed)) {
      try (Inverter inv = inverter(check)) {
        assertEquals(List.of(1L, 2L, 3L, 4L), inv.publish(batch));
        // and again, a retry: the same seqs
        assertEquals(List.of(1L, 2L, 3L, 4L), inv.publish(batch));
      }
    }
  }

  @Test
  void aStaleMessageFromAChainCheckingVerifierIsLeftToTheLog() {
    PrivateKey key = PrivateKey.generate(Curve.SECP256K1);
    Repository repo = Repository.create(DID, key, BlockStore.inMemory());
    List<CommitEvent> commits = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      commits.add(CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + "p" + i),
          post("p" + i)))), i + 1, Instant.now()));
    }
    VerifyingCheck chained = new VerifyingCheck(CommitVerifier.builder().withoutSeqCheck().unauthenticated().build());
    try (Inverter inv = inverter(chained)) {
      for (CommitEvent e : commits) {
        inv.publish(List.of(e.toFrame()));
      }
      // the verifier finds the retry stale (IGNORED), not invalid; the log answers it with its seq
      assertEquals(List.of(1L), inv.publish(List.of(commits.get(0).toFrame())));
      // the same event under another seq (another upstream, a PDS whose counter restarted) too
      assertEquals(List.of(1L), inv.publish(List.of(commits.get(0).withSeq(99).toFrame())));
      // an older commit that is not a retry (other bytes): the log refuses it as stale
      CommitEvent c = commits.get(0);
      CommitEvent other = new CommitEvent(c.seq(), c.rebase(), c.tooBig(), c.repo(), c.commit(), c.rev(), c.since(),
          c.blocks(), c.ops(), c.blobs(), c.prevData(), dev.atsync.syntax.Datetime.parse("2020-01-01T00:00:00.000Z"));
      dev.atsync.firehose.ingest.IngestException stale = assertThrows(dev.atsync.firehose.ingest.IngestException.class,
          () -> inv.publish(List.of(other.toFrame())));
      assertEquals(409, stale.status(), stale.toString());
      assertEquals("StaleRev", stale.errorName());
    }
  }
}
