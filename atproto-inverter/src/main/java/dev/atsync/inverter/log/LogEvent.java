package dev.atsync.inverter.log;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An event to append: the account it is about, its rev (for {@code #commit} and {@code #sync},
 * ordered per account by the rev rule of {@link EventLog}), its message type (which that rule
 * reads), and its frame exactly as received. The
 * frame array is owned by the event after construction (not copied: frames are large and
 * the ingest path hands them over); equality compares the frame by content.
 *
 * @param did the account
 * @param rev the rev, for events that carry one
 * @param type the message type, such as {@code #commit}
 * @param frame the event-stream frame, as posted
 */
public record LogEvent(String did, Optional<String> rev, String type, byte[] frame) {
  /** Rejects Java nulls. */
  public LogEvent {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(rev, "rev");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(frame, "frame");
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
    return "LogEvent[did=" + did + ", rev=" + rev + ", type=" + type + ", frame=" + frame.length + " bytes]";
  }
}
