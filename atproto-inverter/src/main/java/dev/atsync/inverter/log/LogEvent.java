package dev.atsync.inverter.log;

import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An event to append: the account it is about, its rev (for {@code #commit} and {@code #sync},
 * which follow the rev rule of {@link EventLog}), its message type, and its frame exactly as
 * received. The frame is copied in and out.
 *
 * @param did the account
 * @param rev the rev, for events that carry one
 * @param type the message type, such as {@code #commit}
 * @param frame the event-stream frame, as posted
 */
public record LogEvent(Did did, Optional<Tid> rev, String type, byte[] frame) {
  /** Copies the frame; rejects Java nulls. */
  public LogEvent {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(rev, "rev");
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

  /** The frame's SHA-256, by which retries are recognised. */
  public FrameDigest digest() {
    return FrameDigest.of(frame);
  }

  /** Equal when every component is equal, the frame by content. */
  @Override
  public boolean equals(Object o) {
    return o instanceof LogEvent e && did.equals(e.did) && rev.equals(e.rev) && type.equals(e.type)
        && Arrays.equals(frame, e.frame);
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return Objects.hash(did, rev, type) * 31 + Arrays.hashCode(frame);
  }

  /** The components, with the frame's length instead of its bytes. */
  @Override
  public String toString() {
    return "LogEvent[did=" + did + ", rev=" + rev.map(Tid::toString).orElse("none") + ", type=" + type + ", frame="
        + frame.length + " bytes]";
  }
}
