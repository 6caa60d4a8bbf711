package dev.atsync.firehose;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks decoded messages against their lexicon beyond structure and syntax types: record paths,
 * op shapes (Sync v1.1: a create has {@code cid} and no {@code prev}; an update has both and they
 * differ; a delete has {@code prev} and no {@code cid}), repeated paths, size limits and the
 * deprecated {@code tooBig}/{@code rebase} flags.
 *
 * <p>Structure (required fields, types, nullable versus absent) and the syntax of DIDs, TIDs,
 * datetimes and handles are already enforced when the frame is decoded (the event types hold
 * parsed values); this class reports every remaining violation rather than the first, so a
 * verifier can apply its policy to each.
 */
public final class EventValidator {
  private EventValidator() {}

  /** Every violation in {@code event}, in field order; empty when it is valid. */
  public static List<Violation> violations(StreamEvent event, FrameLimits limits) {
    List<Violation> out = new ArrayList<>(0);
    if (event instanceof CommitEvent c) {
      commit(c, limits, out);
    } else if (event instanceof SyncEvent s) {
      if (s.blocksView().remaining() > limits.maxSyncBlocksBytes()) {
        out.add(new Violation(Violation.Kind.LIMIT, "blocks",
            s.blocksView().remaining() + " bytes exceed the limit of " + limits.maxSyncBlocksBytes()));
      }
    }
    return out;
  }

  /** Every violation under the default limits. */
  public static List<Violation> violations(StreamEvent event) {
    return violations(event, FrameLimits.DEFAULT);
  }

  /**
   * Throws on the first violation.
   *
   * @throws InvalidFrameException naming the field and the problem
   */
  public static void validate(StreamEvent event, FrameLimits limits) {
    List<Violation> v = violations(event, limits);
    if (!v.isEmpty()) {
      throw new InvalidFrameException(v.get(0).kind(), v.get(0).message(), v.get(0).field(), -1, null);
    }
  }

  private static void commit(CommitEvent c, FrameLimits limits, List<Violation> out) {
    if (c.tooBig()) {
      out.add(new Violation(Violation.Kind.DEPRECATED_FLAG, "tooBig",
          "tooBig is deprecated in Sync v1.1 and must be false"));
    }
    if (c.rebase()) {
      out.add(new Violation(Violation.Kind.DEPRECATED_FLAG, "rebase",
          "rebase is deprecated in Sync v1.1 and must be false"));
    }
    if (c.ops().size() > limits.maxCommitOps()) {
      out.add(new Violation(Violation.Kind.LIMIT, "ops",
          c.ops().size() + " ops exceed the limit of " + limits.maxCommitOps()));
    }
    int blocks = c.blocksView().remaining();
    if (blocks > limits.maxCommitBlocksBytes()) {
      out.add(new Violation(Violation.Kind.LIMIT, "blocks",
          blocks + " bytes exceed the limit of " + limits.maxCommitBlocksBytes()));
    }
    Set<String> paths = new HashSet<>();
    for (int i = 0; i < c.ops().size(); i++) {
      CommitOp op = c.ops().get(i);
      String f = "ops[" + i + "]";
      try {
        op.toOperation();
      } catch (InvalidFrameException e) {
        out.add(new Violation(e.kind().orElseThrow(), f + "." + e.field().orElseThrow(), e.reason()));
      }
      if (!paths.add(op.path())) {
        out.add(new Violation(Violation.Kind.DUPLICATE_PATH, f + ".path",
            "path " + CommitOp.quote(op.path()) + " appears in more than one op"));
      }
    }
  }
}
