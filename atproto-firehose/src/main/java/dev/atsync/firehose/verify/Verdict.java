package dev.atsync.firehose.verify;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of verifying one message: its status and every failed check (warnings included).
 * As in the Sync v1.1 design, failures split into <em>invalid</em> (drop the message) and
 * <em>discontinuous</em> (the message is fine, but the account's chain is broken and the
 * consumer should resynchronise the account). A third kind, <em>ignored</em>, is what the sync
 * spec says to do with a {@code #commit} or {@code #sync} whose rev is not after the account's
 * last processed one: skip it without treating it as an error.
 *
 * <p>The status is decided by the most severe action among the findings: {@link Action#DROP}
 * (INVALID), then {@link Action#IGNORE} (IGNORED), then {@link Action#DISCONTINUITY}
 * (DISCONTINUOUS); warnings alone leave it VALID.
 *
 * @param status the overall outcome
 * @param findings every failed check, in the order they were made
 * @param signatureChecked whether the commit's signature was checked against the account's key
 *     (whatever the outcome): false for a verifier built {@code unauthenticated()}, for messages
 *     that carry no commit, when the key could not be had ({@link Reason#IDENTITY_UNAVAILABLE}),
 *     and when the message failed before its signature could be checked
 */
public record Verdict(Status status, List<Finding> findings, boolean signatureChecked) {
  /** The overall outcome. */
  public enum Status {
    /** Pass the message on (possibly with warnings). */
    VALID,
    /** Drop the message. */
    INVALID,
    /** Pass the message on and resynchronise the account. */
    DISCONTINUOUS,
    /**
     * Skip the message: it is stale (a replay or an older state), not invalid. The chain state
     * does not move.
     */
    IGNORED
  }

  /** Copies the findings. */
  public Verdict {
    findings = List.copyOf(findings);
  }

  static Verdict of(List<Finding> findings) {
    return of(findings, false);
  }

  static Verdict of(List<Finding> findings, boolean signatureChecked) {
    boolean ignore = false;
    boolean discontinuity = false;
    for (Finding f : findings) {
      switch (f.action()) {
        case DROP:
          return new Verdict(Status.INVALID, findings, signatureChecked);
        case IGNORE:
          ignore = true;
          break;
        case DISCONTINUITY:
          discontinuity = true;
          break;
        default:
          break;
      }
    }
    Status s = ignore ? Status.IGNORED : discontinuity ? Status.DISCONTINUOUS : Status.VALID;
    return new Verdict(s, findings, signatureChecked);
  }

  /**
   * Whether the message should be passed on ({@link Status#VALID} or {@link Status#DISCONTINUOUS});
   * false for {@link Status#INVALID} and {@link Status#IGNORED}.
   */
  public boolean accepted() {
    return status == Status.VALID || status == Status.DISCONTINUOUS;
  }

  /**
   * The finding that decided the status: the first drop, else the first ignore, else the first
   * discontinuity; empty for {@link Status#VALID}.
   */
  public Optional<Finding> cause() {
    Action decisive;
    switch (status) {
      case INVALID:
        decisive = Action.DROP;
        break;
      case IGNORED:
        decisive = Action.IGNORE;
        break;
      case DISCONTINUOUS:
        decisive = Action.DISCONTINUITY;
        break;
      default:
        return Optional.empty();
    }
    return findings.stream().filter(f -> f.action() == decisive).findFirst();
  }

  @Override
  public String toString() {
    return status + (findings.isEmpty() ? "" : " " + findings);
  }
}
