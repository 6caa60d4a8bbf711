package dev.atsync.firehose.verify;

/**
 * Why a message failed a check. Each reason names one rule of the lexicon or of Sync v1.1 that a
 * PDS developer can act on; {@link Policy} decides what a failure of it does.
 */
public enum Reason {
  /** The frame is not well-formed DAG-CBOR or its body does not match the message schema. */
  MALFORMED_FRAME,
  /** A DID, TID, datetime, handle or record path that does not parse. */
  INVALID_SYNTAX,
  /** Over a lexicon limit: more than 200 ops, or blocks over 2,000,000 bytes (10,000 for #sync). */
  OVER_LIMIT,
  /** An op whose action, cid and prev do not fit together (create/update/delete shapes). */
  BAD_OP_SHAPE,
  /** Two ops on one record path in one commit. */
  DUPLICATE_PATH,
  /** {@code tooBig} set; deprecated by Sync v1.1. */
  TOO_BIG,
  /** {@code rebase} set; deprecated. */
  REBASE,
  /** The {@code blocks} CAR is empty. */
  BLOCKS_MISSING,
  /** The {@code blocks} CAR is malformed, truncated, or a block does not hash to its CID. */
  BAD_CAR,
  /** The CAR's root is not the message's {@code commit}. */
  CAR_ROOT_MISMATCH,
  /** The commit block is missing from the CAR, not canonical DAG-CBOR, or not a v3 commit. */
  BAD_COMMIT,
  /** The commit's {@code did} is not the message's account. */
  DID_MISMATCH,
  /** The commit's {@code rev} is not the message's {@code rev}. */
  REV_MISMATCH,
  /** The rev's timestamp is further in the future than the allowed clock drift. */
  REV_IN_FUTURE,
  /** The account's signing key could not be resolved. */
  IDENTITY_UNAVAILABLE,
  /** The commit signature does not verify with the account's current key (after one refresh). */
  BAD_SIGNATURE,
  /**
   * A {@code #commit} whose rev is not above the account's last processed rev: a replay or an
   * older commit. The sync spec says to ignore it.
   */
  STALE_COMMIT,
  /**
   * A {@code #sync} whose rev is below the account's last processed rev, or equal to it with a
   * commit other than the last one. (A {@code #sync} of exactly the last commit is a
   * re-announcement, which is valid.) The sync spec says to ignore it; the Go relay accepts it
   * and re-anchors the account at it.
   */
  STALE_SYNC,
  /**
   * A message whose {@code seq} is not above the last seq this verifier saw on the stream (a
   * repeat or a step backwards).
   */
  SEQ_NOT_INCREASING,
  /** {@code since} is not the account's last rev: commits were missed. */
  SINCE_MISMATCH,
  /** {@code prevData} is not the MST root of the account's last commit. */
  PREV_DATA_MISMATCH,
  /** {@code prevData} is absent on a commit that has a {@code since}. */
  PREV_DATA_MISSING,
  /** A create or update op's record is not at its path in the new tree, or a deleted path is still there. */
  OP_NOT_IN_TREE,
  /** A create or update op's record block is not in the CAR. */
  RECORD_BLOCK_MISSING,
  /**
   * A create or update op's record block (present in the CAR) is not strict canonical DAG-CBOR:
   * the tree points at exactly those bytes, so the record itself is malformed.
   */
  RECORD_NOT_CANONICAL,
  /** An MST node needed to check or invert the ops is not in the CAR. */
  PROOF_INCOMPLETE,
  /** Undoing the ops on the new tree does not give {@code prevData}. */
  INVERSION_MISMATCH
}
