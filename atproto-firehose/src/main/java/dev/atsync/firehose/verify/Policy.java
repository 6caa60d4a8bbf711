package dev.atsync.firehose.verify;

import java.util.EnumSet;
import java.util.Set;

/**
 * How strictly {@link CommitVerifier} treats each {@link Reason}.
 *
 * <ul>
 *   <li>{@link #STRICT}: everything the lexicon and Sync v1.1 say to reject is dropped; a broken
 *       chain ({@code since} or {@code prevData} not matching the account's last commit) is a
 *       discontinuity; a stale {@code #commit} or {@code #sync} (rev not after the last one
 *       processed) is ignored, as the sync spec says.
 *   <li>{@link #INDIGO_COMPAT}: what the Go relay (indigo {@code cmd/relay}) does today: it drops
 *       malformed messages, limit violations, bad CARs and commits, DID/rev mismatches, future
 *       revs, bad signatures, {@code tooBig}/{@code rebase}, empty blocks and missing
 *       {@code prevData}; it silently skips a stale {@code #commit} (ignored here); it only logs
 *       a broken chain, a failed inversion, ops missing from the tree, bad op shapes, repeated
 *       paths and a CAR root other than {@code commit}; it does not check host-level seq order
 *       or decode records; and it accepts a {@code #sync} of any rev, re-anchoring the account
 *       at it (a warning here, and the chain state moves to the {@code #sync}'s commit).
 *   <li>{@link #LENIENT}: nothing is dropped or ignored; every failure is a warning, and the
 *       chain state follows every message.
 * </ul>
 */
public enum Policy {
  /** Reject everything the spec says to reject; ignore what it says to ignore. */
  STRICT,
  /** Drop what the Go relay drops; ignore what it skips; warn on what it only logs or does not check. */
  INDIGO_COMPAT,
  /** Log only. */
  LENIENT;

  private static final Set<Reason> INDIGO_WARN_ONLY = EnumSet.of(Reason.SINCE_MISMATCH, Reason.PREV_DATA_MISMATCH,
      Reason.INVERSION_MISMATCH, Reason.OP_NOT_IN_TREE, Reason.RECORD_BLOCK_MISSING, Reason.PROOF_INCOMPLETE,
      Reason.BAD_OP_SHAPE, Reason.DUPLICATE_PATH, Reason.CAR_ROOT_MISMATCH, Reason.IDENTITY_UNAVAILABLE,
      Reason.STALE_SYNC, Reason.SEQ_NOT_INCREASING, Reason.RECORD_NOT_CANONICAL);

  /** What a failure for {@code reason} does under this policy. */
  public Action actionFor(Reason reason) {
    switch (this) {
      case LENIENT:
        return Action.WARN;
      case INDIGO_COMPAT:
        if (reason == Reason.STALE_COMMIT) {
          return Action.IGNORE;
        }
        return INDIGO_WARN_ONLY.contains(reason) ? Action.WARN : Action.DROP;
      default:
        switch (reason) {
          case STALE_COMMIT:
          case STALE_SYNC:
            return Action.IGNORE;
          case SINCE_MISMATCH:
          case PREV_DATA_MISMATCH:
            return Action.DISCONTINUITY;
          default:
            return Action.DROP;
        }
    }
  }
}
