package dev.atsync.firehose.subscribe;

/** What to do when the server answers {@code FutureCursor}. */
public enum FutureCursorPolicy {
  /** Report and stop the subscriber. */
  STOP,
  /**
   * Report and reconnect without a cursor (live tail): the server restarted with a lower counter,
   * or lost its window. Its sequence is then not the one the cursor was in, so the cursor starts
   * over just before the first frame it sends (the cursor callback sees that lower value once),
   * and later reconnects resume from there.
   */
  GO_LIVE,
  /**
   * Report and reconnect from the start of the server's window (cursor 0): for a server that
   * restarted with a lower counter, this takes what it sent since its restart, which a live tail
   * would miss; the cursor starts over in the server's new sequence as with {@link #GO_LIVE}. What
   * the consumer already had comes again (deduplicate by content if that matters).
   */
  FROM_START
}
