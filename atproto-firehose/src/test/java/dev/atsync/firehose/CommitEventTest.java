package dev.atsync.firehose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atsync.car.CarReader;
import dev.atsync.car.CarWriter;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.CommitResult;
import dev.atsync.repo.Operation;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A {@code #commit}'s ops as repository operations, and its records read from its blocks. */
class CommitEventTest {
  static Value.Map post(String text) {
    return new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of(text)));
  }

  static CommitResult[] twoCommits() {
    Repository repo = Repository.create(FrameTest.DID, PrivateKey.generate(Curve.SECP256K1), BlockStore.inMemory());
    CommitResult first = repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/a"), post("a")),
        Write.create(RepoPath.parse("app.bsky.feed.post/b"), post("b"))));
    CommitResult second = repo.apply(List.of(Write.update(RepoPath.parse("app.bsky.feed.post/a"), post("a2")),
        Write.delete(RepoPath.parse("app.bsky.feed.post/b")),
        Write.create(RepoPath.parse("app.bsky.feed.like/c"), post("c"))));
    return new CommitResult[] {first, second};
  }

  @Test
  void operationsAreTheRepositorysAndRecordsDecodeFromTheBlocks() {
    CommitResult r = twoCommits()[1];
    CommitEvent e = CommitEvent.of(r, 7, Instant.now());
    assertEquals(r.ops(), e.operations());
    assertEquals(List.of("update", "delete", "create"), e.ops().stream().map(CommitOp::action).toList());
    // the wire form survives a frame round trip
    CommitEvent back = (CommitEvent) Frame.decode(e.toFrame().bytes()).event();
    assertEquals(r.ops(), back.operations());
    List<CommitEvent.Record> records = back.records();
    assertEquals(List.of(RepoPath.parse("app.bsky.feed.post/a"), RepoPath.parse("app.bsky.feed.like/c")),
        records.stream().map(CommitEvent.Record::path).toList());
    assertEquals(post("a2"), records.get(0).value());
    assertEquals(r.ops().get(0).cid().orElseThrow(), records.get(0).cid());
    assertEquals(post("c"), records.get(1).value());
  }

  @Test
  void aBadOpIsNamedNotCrashedOn() {
    CommitEvent e = CommitEvent.of(twoCommits()[1], 7, Instant.now());
    List<CommitOp> ops = new ArrayList<>(e.ops());
    CommitOp update = ops.get(0);
    ops.set(0, new CommitOp("update", update.path(), update.cid(), Optional.empty()));
    CommitEvent legacy = withOps(e, ops);
    InvalidFrameException x = assertThrows(InvalidFrameException.class, legacy::operations);
    assertEquals(Optional.of("ops[0].prev"), x.field());
    assertEquals(Optional.of(Violation.Kind.OP_SHAPE), x.kind());
    ops.set(0, new CommitOp("update", "not a path", update.cid(), update.prev()));
    InvalidFrameException path = assertThrows(InvalidFrameException.class, () -> withOps(e, ops).operations());
    assertEquals(Optional.of("ops[0].path"), path.field());
    assertEquals(Optional.of(Violation.Kind.SYNTAX), path.kind());
  }

  @Test
  void aMissingRecordBlockIsNamed() {
    CommitEvent e = CommitEvent.of(twoCommits()[1], 7, Instant.now());
    Map<Cid, byte[]> blocks = new LinkedHashMap<>(CarReader.readAll(e.blocks(), CarReader.Limits.DEFAULT).blocks());
    Cid like = e.operations().get(2).cid().orElseThrow();
    blocks.remove(like);
    CommitEvent missing = new CommitEvent(e.seq(), false, false, e.repo(), e.commit(), e.rev(), e.since(),
        CarWriter.toBytes(e.commit(), blocks), e.ops(), e.blobs(), e.prevData(), e.time());
    InvalidFrameException x = assertThrows(InvalidFrameException.class, missing::records);
    assertEquals(Optional.of("ops[2].cid"), x.field());
    CommitEvent noCar = new CommitEvent(e.seq(), false, false, e.repo(), e.commit(), e.rev(), e.since(),
        new byte[] {1, 2, 3}, e.ops(), e.blobs(), e.prevData(), e.time());
    assertEquals(Optional.of("blocks"), assertThrows(InvalidFrameException.class, noCar::records).field());
  }

  @Test
  void wireOpsConvertBothWays() {
    RepoPath p = RepoPath.parse("app.bsky.feed.post/a");
    Cid a = FrameTest.CID_A;
    Cid b = FrameTest.CID_B;
    for (Operation op : List.of(Operation.create(p, a), Operation.update(p, a, b), Operation.delete(p, b))) {
      assertEquals(op, CommitOp.of(op).toOperation());
    }
  }

  static CommitEvent withOps(CommitEvent e, List<CommitOp> ops) {
    return new CommitEvent(e.seq(), false, false, e.repo(), e.commit(), e.rev(), e.since(), e.blocks(), ops, e.blobs(),
        e.prevData(), e.time());
  }
}
