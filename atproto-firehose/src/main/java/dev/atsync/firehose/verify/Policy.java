package dev.atsync.firehose.verify;

import java.util.EnumSet;
import java.util.Set;

/**
 * How strictly {@link CommitVerifier} treats each {@link Reason}.
 *
 * <ul>
 *   <li>{@link #STRICT}: everything the lexicon and Sync v1.1 say to reject is dropped; a broken
 *       chain ({@code since} or {@code prevData} not matching the account's last commit) is a
 *       discontinuity.
 *   <li>{@link #INDIGO_COMPAT}: what the Go relay (indigo {@code cmd/relay}) does today: it drops
 *       malformed messages, limit violations, bad CARs and commits, DID/rev mismatches, future
 *       revs, bad signatures, {@code tooBig}/{@code rebase}, empty blocks, missing {@code prevData}
 *       and non-increasing revs, but only logs a broken chain, a failed inversion, ops missing from
 *       the tree, bad op shapes, repeated paths, and a CAR root other than {@code commit}.
 *   <li>{@link #LENIENT}: nothing is dropped; every failure is a warning.
 * </ul>
 */
public enum Policy {
  /** Reject everything the spec says to reject. */
  STRICT,
  /** Drop what the Go relay drops; warn on what it only logs. */
  INDIGO_COMPAT,
  /** Log only. */
  LENIENT;

  private static final Set<Reason> INDIGO_WARN_ONLY = EnumSet.of(Reason.SINCE_MISMATCH, Reason.PREV_DATA_MISMATCH,
      Reason.INVERSION_MISMATCH, Reason.OP_NOT_IN_TREE, Reason.RECORD_BLOCK_MISSING, Reason.PROOF_INCOMPLETE,
      Reason.BAD_OP_SHAPE, Reason.DUPLICATE_PATH, Reason.CAR_ROOT_MISMATCH, Reason.IDENTITY_UNAVAILABLE);

  /** What a failure for {@code reason} does under this policy. */
  public Action actionFor(Reason reason) {
    switch (this) {
      case LENIENT:
        return Action.WARN;
      case INDIGO_COMPAT:
        return INDIGO_WARN_ONLY.contains(reason) ? Action.WARN : Action.DROP;
      default:
        return reason == Reason.SINCE_MISMATCH || reason == Reason.PREV_DATA_MISMATCH
            ? Action.DISCONTINUITY : Action.DROP;
    }
  }
}
