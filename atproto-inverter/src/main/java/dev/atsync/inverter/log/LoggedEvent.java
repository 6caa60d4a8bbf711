package dev.atsync.inverter.log;

import java.util.Objects;

/**
 * An event read back from the log, with the seq the log assigned. The frame is as it was
 * appended (the poster's own seq still inside); the fan-out splices in {@link #seq()}.
 *
 * @param seq the firehose seq
 * @param did the account
 * @param type the message type
 * @param frame the frame as appended (do not modify)
 * @param receivedAtMillis when the log stored it
 */
public record LoggedEvent(long seq, String did, String type, byte[] frame, long receivedAtMillis) {
  /** Rejects Java nulls. */
  public LoggedEvent {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(frame, "frame");
  }
}
