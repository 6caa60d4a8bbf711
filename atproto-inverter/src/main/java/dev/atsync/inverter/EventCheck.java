package dev.atsync.inverter;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.StreamEvent;

/**
 * A check every ingested event passes before it is stored, after the frame has been decoded
 * and validated against its lexicon. The inverter's default is the atproto-firehose commit
 * verifier; embedders can add their own (for example, only accept accounts they host).
 */
@FunctionalInterface
public interface EventCheck {
  /** Accepts everything that passed lexicon validation. */
  EventCheck NONE = (index, frame, event) -> { };

  /**
   * Checks one event of a batch.
   *
   * @param index the frame's index within its batch, for error details
   * @throws dev.atsync.firehose.ingest.IngestException to refuse the whole batch (for example
   *     {@link dev.atsync.firehose.ingest.IngestError#INVALID_COMMIT} naming the frame)
   */
  void check(int index, Frame frame, StreamEvent event);
}
