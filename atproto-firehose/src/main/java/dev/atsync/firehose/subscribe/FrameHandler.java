package dev.atsync.firehose.subscribe;

import dev.atsync.firehose.Frame;

/** Processes one frame. Called in order per DID; possibly concurrently across DIDs. */
@FunctionalInterface
public interface FrameHandler {
  /**
   * Handles {@code frame}. A thrown exception is reported to the listener and the frame still
   * counts as processed (the cursor moves on): retrying is the handler's decision.
   */
  void handle(Frame frame) throws Exception;
}
