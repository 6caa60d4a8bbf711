package dev.atsync.firehose.verify;

/** What a failed check does to a message, as a {@link Policy} decides. */
public enum Action {
  /** The message is invalid and must be dropped. */
  DROP,
  /** The message is valid but the account's chain is broken: resynchronise the account. */
  DISCONTINUITY,
  /** Report and pass the message on. */
  WARN
}
