package dev.atsync.firehose.verify;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of verifying one message: its status and every failed check (warnings included).
 * As in the Sync v1.1 design, failures split into <em>invalid</em> (drop the message) and
 * <em>discontinuous</em> (the message is fine, but the account's chain is broken and the
 * consumer should resynchronise the account).
 *
 * @param status the overall outcome
 * @param findings every failed check, in the order they were made
 */
public record Verdict(Status status, List<Finding> findings) {
  /** The overall outcome. */
  public enum Status {
    /** Pass the message on (possibly with warnings). */
    VALID,
    /** Drop the message. */
    INVALID,
    /** Pass the message on and resynchronise the account. */
    DISCONTINUOUS
  }

  /** Copies the findings. */
  public Verdict {
    findings = List.copyOf(findings);
  }

  static Verdict of(List<Finding> findings) {
    Status s = Status.VALID;
    for (Finding f : findings) {
      if (f.action() == Action.DROP) {
        s = Status.INVALID;
        break;
      }
      if (f.action() == Action.DISCONTINUITY) {
        s = Status.DISCONTINUOUS;
      }
    }
    return new Verdict(s, findings);
  }

  /** Whether the message should be passed on ({@link Status#VALID} or {@link Status#DISCONTINUOUS}). */
  public boolean accepted() {
    return status != Status.INVALID;
  }

  /** The finding that decided the status: the first drop, else the first discontinuity. */
  public Optional<Finding> cause() {
    Action decisive = status == Status.INVALID ? Action.DROP : Action.DISCONTINUITY;
    return status == Status.VALID ? Optional.empty()
        : findings.stream().filter(f -> f.action() == decisive).findFirst();
  }

  @Override
  public String toString() {
    return status + (findings.isEmpty() ? "" : " " + findings);
  }
}
