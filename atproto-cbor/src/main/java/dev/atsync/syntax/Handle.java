package dev.atsync.syntax;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A handle: a DNS name of at least two labels, each 1 to 63 ASCII letters, digits and hyphens
 * (not at either end), the last label starting with a letter, at most 253 characters. Compare
 * handles through {@link #normalized()}: they are case-insensitive.
 *
 * @param value the handle as given
 */
public record Handle(String value) {
  /** Longest handle accepted. */
  public static final int MAX_LENGTH = 253;
  private static final String KIND = "handle";
  private static final Set<String> DISALLOWED_TLDS =
      Set.of("alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion");

  /** Validates {@code value}. */
  public Handle {
    Objects.requireNonNull(value, "value");
    check(value);
  }

  /** Parses a handle. */
  public static Handle parse(String s) {
    return new Handle(s);
  }

  /** Whether {@code s} is a syntactically valid handle. */
  public static boolean isValid(String s) {
    return InvalidSyntaxException.passes(Handle::check, s);
  }

  static void check(String s) {
    int n = s.length();
    if (n > MAX_LENGTH) {
      throw new InvalidSyntaxException(KIND, s, "longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
    }
    int start = 0;
    int labels = 0;
    for (int i = 0; i <= n; i++) {
      if (i == n || s.charAt(i) == '.') {
        int bad = Chars.label(s, start, i);
        if (bad >= 0) {
          throw new InvalidSyntaxException(KIND, s, i == start ? "empty label" : "bad label character or length", bad);
        }
        labels++;
        if (i == n && !Chars.alpha(s.charAt(start))) {
          throw new InvalidSyntaxException(KIND, s, "top-level domain must start with a letter", start);
        }
        start = i + 1;
      }
    }
    if (labels < 2) {
      throw new InvalidSyntaxException(KIND, s, "needs at least two labels", 0);
    }
  }

  /** The lower-case form, for comparison and storage. */
  public String normalized() {
    return value.toLowerCase(Locale.ROOT);
  }

  /**
   * Whether the top-level domain is one atproto reserves and never resolves ({@code .local},
   * {@code .arpa}, {@code .invalid}, {@code .localhost}, {@code .internal}, {@code .example},
   * {@code .onion}, {@code .alt}). Such handles are syntactically valid but not usable.
   */
  public boolean hasDisallowedTld() {
    String v = normalized();
    return DISALLOWED_TLDS.contains(v.substring(v.lastIndexOf('.') + 1));
  }

  @Override
  public String toString() {
    return value;
  }
}
