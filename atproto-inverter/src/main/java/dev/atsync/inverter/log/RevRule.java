package dev.atsync.inverter.log;

import dev.atsync.syntax.Tid;

/**
 * The per-account rev rule {@link EventLog} applies, atomically with the append and within a
 * batch: a {@code #commit} must have a rev strictly above the account's current rev; a
 * {@code #sync} may also have the current rev (the reference PDS announces the state it just
 * committed with a {@code #sync} of the same rev, on account creation and on reactivation); any
 * other event with a rev is held to the {@code #commit} rule. Deduplication of byte-identical
 * retries comes before this rule.
 */
final class RevRule {
  /** The message type that may repeat the current rev. */
  static final String SYNC = "#sync";

  private RevRule() {}

  /**
   * Whether an event of {@code type} with {@code rev} may follow an account whose current rev is
   * {@code current} ({@code null} when the account has none).
   */
  static boolean allows(String type, Tid rev, Tid current) {
    if (current == null) {
      return true;
    }
    int order = rev.compareTo(current);
    return order > 0 || (order == 0 && SYNC.equals(type));
  }
}
