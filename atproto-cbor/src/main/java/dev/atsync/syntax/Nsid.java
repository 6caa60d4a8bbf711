package dev.atsync.syntax;

import java.util.Objects;

/**
 * A namespaced identifier such as {@code app.bsky.feed.post}: a reversed-domain authority of at
 * least two labels (the first starting with a letter) and a name segment of letters and digits
 * starting with a letter; at most 317 characters, segments at most 63.
 *
 * @param value the NSID string
 */
public record Nsid(String value) {
  /** Longest NSID accepted. */
  public static final int MAX_LENGTH = 317;
  private static final String KIND = "NSID";

  /** Validates {@code value}. */
  public Nsid {
    Objects.requireNonNull(value, "value");
    check(value);
  }

  /** Parses an NSID. */
  public static Nsid parse(String s) {
    return new Nsid(s);
  }

  /** Whether {@code s} is a syntactically valid NSID. */
  public static boolean isValid(String s) {
    return InvalidSyntaxException.passes(Nsid::check, s);
  }

  static void check(String s) {
    int n = s.length();
    if (n > MAX_LENGTH) {
      throw new InvalidSyntaxException(KIND, s, "longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
    }
    int lastDot = s.lastIndexOf('.');
    if (lastDot < 0 || s.indexOf('.') == lastDot) {
      throw new InvalidSyntaxException(KIND, s, "needs at least three segments", 0);
    }
    int start = 0;
    for (int i = 0; i < lastDot + 1; i++) {
      if (s.charAt(i) == '.') {
        int bad = Chars.label(s, start, i);
        if (bad >= 0) {
          throw new InvalidSyntaxException(KIND, s, "bad authority segment", bad);
        }
        start = i + 1;
      }
    }
    if (!Chars.alpha(s.charAt(0))) {
      throw new InvalidSyntaxException(KIND, s, "must start with a letter", 0);
    }
    int nameLen = n - lastDot - 1;
    if (nameLen == 0 || nameLen > 63) {
      throw new InvalidSyntaxException(KIND, s, "name segment must be 1 to 63 characters", lastDot + 1);
    }
    if (!Chars.alpha(s.charAt(lastDot + 1))) {
      throw new InvalidSyntaxException(KIND, s, "name must start with a letter", lastDot + 1);
    }
    for (int i = lastDot + 1; i < n; i++) {
      if (!Chars.alnum(s.charAt(i))) {
        throw new InvalidSyntaxException(KIND, s, "name may only hold letters and digits", i);
      }
    }
  }

  /** The authority in domain order, such as {@code feed.bsky.app} for {@code app.bsky.feed.post}. */
  public String authority() {
    String[] parts = value.substring(0, value.lastIndexOf('.')).split("\\.");
    StringBuilder sb = new StringBuilder(value.length());
    for (int i = parts.length - 1; i >= 0; i--) {
      sb.append(parts[i]);
      if (i > 0) {
        sb.append('.');
      }
    }
    return sb.toString();
  }

  /** The name segment, such as {@code post}. */
  public String name() {
    return value.substring(value.lastIndexOf('.') + 1);
  }

  @Override
  public String toString() {
    return value;
  }
}
