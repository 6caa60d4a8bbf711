package dev.atsync.syntax;

import java.util.Objects;

/**
 * A record key: 1 to 512 characters of {@code [a-zA-Z0-9_~.:-]}, not {@code .} or {@code ..}.
 *
 * @param value the record key
 */
public record RecordKey(String value) {
  /** Longest record key accepted. */
  public static final int MAX_LENGTH = 512;
  private static final String KIND = "record key";

  /** Validates {@code value}. */
  public RecordKey {
    Objects.requireNonNull(value, "value");
    check(value);
  }

  /** Parses a record key. */
  public static RecordKey parse(String s) {
    return new RecordKey(s);
  }

  /** Whether {@code s} is a syntactically valid record key. */
  public static boolean isValid(String s) {
    return InvalidSyntaxException.passes(RecordKey::check, s);
  }

  static void check(String s) {
    int n = s.length();
    if (n == 0 || n > MAX_LENGTH) {
      throw new InvalidSyntaxException(KIND, s, "must be 1 to " + MAX_LENGTH + " characters", Math.min(n, MAX_LENGTH));
    }
    if (s.equals(".") || s.equals("..")) {
      throw new InvalidSyntaxException(KIND, s, "must not be '.' or '..'", 0);
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!(Chars.alnum(c) || c == '_' || c == '~' || c == '.' || c == ':' || c == '-')) {
        throw new InvalidSyntaxException(KIND, s, "character '" + c + "' is not allowed", i);
      }
    }
  }

  @Override
  public String toString() {
    return value;
  }
}
