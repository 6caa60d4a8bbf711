package dev.atsync.firehose.subscribe;

/** What to do when the server answers {@code FutureCursor}. */
public enum FutureCursorPolicy {
  /** Report and stop the subscriber. */
  STOP,
  /** Report and reconnect without a cursor (live tail). */
  GO_LIVE
}
