package dev.atsync.firehose.subscribe;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.InfoEvent;
import dev.atsync.firehose.StreamError;

/**
 * Connection-level notifications from a {@link FirehoseSubscriber}, called from its threads.
 * Override what you need. By default problems are logged through SLF4J (logger
 * {@code dev.atsync.firehose.subscribe.FirehoseSubscriber}): {@link #onError} and
 * {@link #onStaleSeq} at WARN, {@link #onStreamError} at WARN, disconnects at INFO; the other
 * notifications do nothing. A listener that overrides a method takes over its logging.
 */
public interface SubscriberListener {
  /**
   * Connected.
   *
   * @param cursor the cursor sent, or -1 for live
   */
  default void onConnected(long cursor) {}

  /**
   * The connection closed; a reconnect follows unless the subscriber is stopping. Logged at INFO
   * by default.
   *
   * @param code the WebSocket close code
   * @param reason the close reason, possibly empty
   */
  default void onDisconnected(int code, String reason) {
    SubscriberLog.LOG.info("firehose connection closed: {} {}", code, reason);
  }

  /**
   * An {@code #info} message, e.g. {@code OutdatedCursor}.
   *
   * @param info the message
   */
  default void onInfo(InfoEvent info) {}

  /**
   * An error frame from the server, e.g. {@code FutureCursor} or {@code ConsumerTooSlow}. Logged
   * at WARN by default.
   *
   * @param error the error
   */
  default void onStreamError(StreamError error) {
    SubscriberLog.LOG.warn("firehose error frame: {}{}", error.error(), error.message().map(m -> ": " + m).orElse(""));
  }

  /**
   * A frame whose {@code seq} is not above the last one dispatched (a repeat or a step backwards
   * by the server) was dropped, not handed to the handler. A verifying consumer sees the seq
   * regression here. Logged at WARN by default.
   *
   * @param frame the dropped frame
   * @param lastSeq the highest seq dispatched before it
   */
  default void onStaleSeq(Frame frame, long lastSeq) {
    SubscriberLog.LOG.warn("firehose frame dropped: seq {} is not above the last dispatched seq {}",
        frame.seq().orElse(-1), lastSeq);
  }

  /**
   * A local problem: an undecodable or oversize frame, a handler failure, a transport error.
   * Logged at WARN by default.
   *
   * @param what what went wrong
   * @param cause the exception, or {@code null}
   */
  default void onError(String what, Throwable cause) {
    SubscriberLog.LOG.warn("firehose subscriber: {}", what, cause);
  }
}
