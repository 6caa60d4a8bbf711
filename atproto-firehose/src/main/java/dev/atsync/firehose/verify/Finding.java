package dev.atsync.firehose.verify;

import java.util.Objects;

/**
 * One failed check of one message.
 *
 * @param reason the rule broken
 * @param action what the policy does about it
 * @param message what was found, with the CIDs, revs or fields involved
 */
public record Finding(Reason reason, Action action, String message) {
  /** Rejects Java nulls. */
  public Finding {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return reason + " (" + action.name().toLowerCase(java.util.Locale.ROOT) + "): " + message;
  }
}
