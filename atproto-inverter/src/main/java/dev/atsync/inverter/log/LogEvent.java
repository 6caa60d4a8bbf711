package dev.atsync.inverter.log;

import java.util.Objects;
import java.util.Optional;

/**
 * An event to append: the account it is about, its rev (for {@code #commit} and {@code #sync},
 * which must increase per account), its message type, and its frame exactly as received. The
 * frame array is owned by the event after construction.
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
}
