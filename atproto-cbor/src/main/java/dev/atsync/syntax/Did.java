package dev.atsync.syntax;

import java.util.Objects;

/**
 * A DID as atproto accepts it: {@code did:<method>:<identifier>}, method lower-case letters,
 * identifier of {@code [a-zA-Z0-9._:%-]} not ending in {@code :} or {@code %}, at most 2048
 * characters. Only the syntax is checked here; whether the method is supported ({@code plc},
 * {@code web}) is the resolver's business.
 *
 * @param value the DID string
 */
public record Did(String value) implements Comparable<Did> {
  /** Longest DID accepted. */
  public static final int MAX_LENGTH = 2048;
  private static final String KIND = "DID";

  /** Validates {@code value}. */
  public Did {
    Objects.requireNonNull(value, "value");
    check(value);
  }

  /** Parses a DID. */
  public static Did parse(String s) {
    return new Did(s);
  }

  /** Whether {@code s} is a syntactically valid DID. */
  public static boolean isValid(String s) {
    return InvalidSyntaxException.passes(Did::check, s);
  }

  static void check(String s) {
    int n = s.length();
    if (n > MAX_LENGTH) {
      throw new InvalidSyntaxException(KIND, s, "longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
    }
    if (!s.startsWith("did:")) {
      throw new InvalidSyntaxException(KIND, s, "must start with \"did:\"", 0);
    }
    int m = 4;
    while (m < n && s.charAt(m) >= 'a' && s.charAt(m) <= 'z') {
      m++;
    }
    if (m == 4 || m >= n || s.charAt(m) != ':') {
      throw new InvalidSyntaxException(KIND, s, "method must be lower-case letters followed by ':'", m);
    }
    if (m + 1 >= n) {
      throw new InvalidSyntaxException(KIND, s, "identifier is empty", m + 1);
    }
    for (int i = m + 1; i < n; i++) {
      char c = s.charAt(i);
      if (!(Chars.alnum(c) || c == '.' || c == '_' || c == ':' || c == '%' || c == '-')) {
        throw new InvalidSyntaxException(KIND, s, "character '" + c + "' is not allowed", i);
      }
    }
    char last = s.charAt(n - 1);
    if (last == ':' || last == '%') {
      throw new InvalidSyntaxException(KIND, s, "must not end with '" + last + "'", n - 1);
    }
  }

  /** The method, such as {@code plc}. */
  public String method() {
    return value.substring(4, value.indexOf(':', 4));
  }

  /** The method-specific identifier. */
  public String identifier() {
    return value.substring(value.indexOf(':', 4) + 1);
  }

  @Override
  public int compareTo(Did o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
