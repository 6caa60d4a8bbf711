package dev.atsync.firehose.verify;

/** What a failed check does to a message, as a {@link Policy} decides. */
public enum Action {
  /** The message is invalid and must be dropped. */
  DROP,
  /** The message is valid but the account's chain is broken: resynchronise the account. */
  DISCONTINUITY,
  /** Report and pass the message on. */
  WARN,
  /**
   * The message is stale (a replay, or an older state of the account than the one already
   * processed): not invalid, but the consumer skips it and the chain state does not move.
   */
  IGNORE
}
