package dev.atsync.inverter.log;

import dev.atsync.syntax.Did;
import java.util.Arrays;
import java.util.Objects;

/**
 * An event read back from the log, with the seq the log assigned. The frame is as it was
 * appended (the poster's own seq still inside); the fan-out splices in {@link #seq()}. The frame
 * is copied in and out.
 *
 * @param seq the firehose seq
 * @param did the account
 * @param type the message type
 * @param frame the frame as appended
 * @param receivedAtMillis when the log stored it
 */
public record LoggedEvent(long seq, Did did, String type, byte[] frame, long receivedAtMillis) {
  /** Copies the frame; rejects Java nulls. */
  public LoggedEvent {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(type, "type");
    frame = frame.clone();
  }

  /** A copy of the frame. */
  @Override
  public byte[] frame() {
    return frame.clone();
  }

  /** The frame's length in bytes. */
  public int frameLength() {
    return frame.length;
  }

  /** Equal when every component is equal, the frame by content. */
  @Override
  public boolean equals(Object o) {
    return o instanceof LoggedEvent e && seq == e.seq && receivedAtMillis == e.receivedAtMillis
        && did.equals(e.did) && type.equals(e.type) && Arrays.equals(frame, e.frame);
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return (Objects.hash(seq, did, type, receivedAtMillis)) * 31 + Arrays.hashCode(frame);
  }

  /** The components, with the frame's length instead of its bytes. */
  @Override
  public String toString() {
    return "LoggedEvent[seq=" + seq + ", did=" + did + ", type=" + type + ", frame=" + frame.length
        + " bytes, receivedAtMillis=" + receivedAtMillis + "]";
  }
}
