package dev.atsync.firehose.subscribe;

import dev.atsync.firehose.InfoEvent;
import dev.atsync.firehose.StreamError;

/** Connection-level notifications. All methods default to doing nothing. */
public interface SubscriberListener {
  /** Connected; {@code cursor} is the cursor sent, or -1 for live. */
  default void onConnected(long cursor) {}

  /** The connection closed; a reconnect follows unless the subscriber is stopping. */
  default void onDisconnected(int code, String reason) {}

  /** An {@code #info} message, e.g. {@code OutdatedCursor}. */
  default void onInfo(InfoEvent info) {}

  /** An error frame from the server, e.g. {@code FutureCursor} or {@code ConsumerTooSlow}. */
  default void onStreamError(StreamError error) {}

  /** A local problem: undecodable or oversize frame, handler failure, transport error. */
  default void onError(String what, Throwable cause) {}
}
