package dev.atsync.syntax;

import dev.atsync.cbor.DataModelException;

/**
 * A string that is not a valid atproto identifier of the kind asked for. Carries the kind, the
 * offending input (shortened in the message, since inputs can be huge) and the reason;
 * {@link #offset()} is the character index of the problem where there is one.
 */
public final class InvalidSyntaxException extends DataModelException {
  private static final long serialVersionUID = 1L;
  /** What was being parsed. */
  private final String kind;
  /** The offending input. */
  private final String input;

  /**
   * @param kind what was being parsed, such as {@code DID}
   * @param input the input
   * @param reason what is wrong
   * @param offset character index of the problem, or {@code -1}
   */
  public InvalidSyntaxException(String kind, String input, String reason, long offset) {
    super("invalid " + kind + " " + quote(input) + ": " + reason, offset);
    this.kind = kind;
    this.input = input;
  }

  /** What was being parsed. */
  public String kind() {
    return kind;
  }

  /** The offending input. */
  public String input() {
    return input;
  }

  /** Whether {@code check} accepts {@code s}: the {@code isValid} of every syntax type. */
  static boolean passes(java.util.function.Consumer<String> check, String s) {
    try {
      check.accept(s);
      return true;
    } catch (InvalidSyntaxException e) {
      return false;
    }
  }

  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 64 ? "\"" + s.substring(0, 61) + "...\" (" + s.length() + " chars)" : "\"" + s + "\"";
  }
}
