package dev.atsync.firehose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
  static final Did DID = FrameTest.DID;
  static final Datetime TIME = FrameTest.TIME;

  static CommitEvent withOps(List<CommitOp> ops) {
    return new CommitEvent(1, false, false, DID, FrameTest.CID_A, FrameTest.tid("3lbf5dnwdbs2c"), Optional.empty(),
        new byte[0],
        ops, List.of(), Optional.empty(), TIME);
  }

  static Violation only(StreamEvent e) {
    List<Violation> v = EventValidator.violations(e);
    assertEquals(1, v.size(), v.toString());
    return v.get(0);
  }

  @Test
  void validEventsHaveNoViolations() {
    for (StreamEvent e : FrameTest.everyType()) {
      assertEquals(List.of(), EventValidator.violations(e), e.toString());
    }
  }

  @Test
  void syntax() {
    // DIDs, TIDs, datetimes and handles are parsed by the decoder (FrameTest); record paths are checked here
    Violation v = only(withOps(List.of(CommitOp.create("no-slash", FrameTest.CID_A))));
    assertEquals(Violation.Kind.SYNTAX, v.kind());
    assertEquals("ops[0].path", v.field());
  }

  @Test
  void opShapes() {
    var a = FrameTest.CID_A;
    var b = FrameTest.CID_B;
    String p = "app.bsky.feed.post/3lbf5dnwdbs2c";
    assertEquals("ops[0].prev", only(withOps(List.of(new CommitOp("create", p, Optional.of(a), Optional.of(b)))))
        .field());
    assertEquals("ops[0].cid", only(withOps(List.of(new CommitOp("create", p, Optional.empty(), Optional.empty()))))
        .field());
    assertEquals("ops[0].prev", only(withOps(List.of(new CommitOp("update", p, Optional.of(a), Optional.empty()))))
        .field());
    assertEquals("ops[0].prev", only(withOps(List.of(CommitOp.update(p, a, a)))).field());
    assertEquals("ops[0].cid", only(withOps(List.of(new CommitOp("delete", p, Optional.of(a), Optional.of(b)))))
        .field());
    assertEquals("ops[0].prev", only(withOps(List.of(new CommitOp("delete", p, Optional.empty(), Optional.empty()))))
        .field());
    Violation unknown = only(withOps(List.of(new CommitOp("upsert", p, Optional.of(a), Optional.empty()))));
    assertEquals(Violation.Kind.OP_SHAPE, unknown.kind());
    assertEquals("ops[0].action", unknown.field());
    Violation dup = only(withOps(List.of(CommitOp.create(p, a), CommitOp.delete(p, b))));
    assertEquals(Violation.Kind.DUPLICATE_PATH, dup.kind());
    assertEquals("ops[1].path", dup.field());
  }

  @Test
  void deprecatedFlagsAndLimits() {
    CommitEvent c = FrameTest.commit(1);
    List<Violation> v = EventValidator.violations(new CommitEvent(1, true, true, DID, c.commit(), c.rev(),
        c.since(), c.blocks(), c.ops(), c.blobs(), c.prevData(), c.time()));
    assertEquals(List.of("tooBig", "rebase"), v.stream().map(Violation::field).toList());
    assertTrue(v.stream().allMatch(x -> x.kind() == Violation.Kind.DEPRECATED_FLAG));
    FrameLimits small = new FrameLimits(5_000_000, 2, 3, 1, 32);
    List<Violation> lim = EventValidator.violations(c, small);
    assertEquals(List.of("ops", "blocks"), lim.stream().map(Violation::field).toList());
    assertEquals("blocks", EventValidator.violations(new SyncEvent(1, DID, new byte[2], FrameTest.tid("3lbf5dnwdbs2c"), TIME), small)
        .get(0).field());
  }
}
