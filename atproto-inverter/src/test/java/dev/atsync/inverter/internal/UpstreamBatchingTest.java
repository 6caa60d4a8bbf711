package dev.atsync.inverter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.atsync.cid.Cid;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.CommitOp;
import dev.atsync.firehose.Frame;
import dev.atsync.inverter.TestEvents;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How pull mode cuts what an upstream sent into appends: chained runs only. */
class UpstreamBatchingTest {
  static Frame commit(String did, String rev, String since) {
    Cid c = Cid.ofDagCbor((did + rev).getBytes(StandardCharsets.UTF_8));
    return new CommitEvent(1, false, false, Did.parse(did), c, Tid.parse(rev), Optional.ofNullable(since)
        .map(Tid::parse), new byte[8], List.of(CommitOp.create("app.bsky.feed.post/" + rev, c)), List.of(),
        Optional.empty(), TestEvents.TIME).toFrame();
  }

  static List<Integer> cuts(List<Frame> frames) {
    List<Integer> out = new ArrayList<>();
    for (int from = 0; from < frames.size(); ) {
      from = UpstreamFollower.chainedRun(frames, from);
      out.add(from);
    }
    return out;
  }

  @Test
  void aBacklogOfChainedCommitsIsOneRun() {
    String a = TestEvents.did(1);
    String b = TestEvents.did(2);
    String r1 = TestEvents.nextRev();
    String r2 = TestEvents.nextRev();
    String r3 = TestEvents.nextRev();
    String r4 = TestEvents.nextRev();
    List<Frame> frames = List.of(TestEvents.identity(a), commit(a, r1, null), commit(b, r2, null),
        commit(a, r3, r1), commit(b, r4, r2));
    assertEquals(List.of(5), cuts(frames));
  }

  @Test
  void aCommitWhosePredecessorIsElsewhereStartsANewRun() {
    String a = TestEvents.did(1);
    String r1 = TestEvents.nextRev();
    String r2 = TestEvents.nextRev(); // made on another instance, not in this stream
    String r3 = TestEvents.nextRev();
    String r4 = TestEvents.nextRev();
    List<Frame> frames = List.of(commit(a, r1, null), commit(a, r3, r2), commit(a, r4, r3),
        commit(TestEvents.did(2), TestEvents.nextRev(), null));
    // the commit after the gap waits alone for its predecessor; what chains to it goes with it
    assertEquals(List.of(1, 4), cuts(frames));
  }

  @Test
  void aSecondGenesisOfAnAccountIsCut() {
    String a = TestEvents.did(1);
    List<Frame> frames = List.of(commit(a, TestEvents.nextRev(), null), commit(a, TestEvents.nextRev(), null));
    assertEquals(List.of(1, 2), cuts(frames));
  }
}
