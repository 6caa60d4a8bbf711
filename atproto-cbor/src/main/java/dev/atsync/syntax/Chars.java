package dev.atsync.syntax;

/** Character classes shared by the identifier parsers. */
final class Chars {
  private Chars() {}

  static boolean alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean alnum(char c) {
    return alpha(c) || digit(c);
  }

  /**
   * Checks one DNS-style label {@code s[from, to)}: 1 to 63 letters, digits and hyphens, not
   * starting or ending with a hyphen. Returns the index of the first bad character, or -1.
   */
  static int label(String s, int from, int to) {
    if (to == from || to - from > 63) {
      return from;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(alnum(c) || (c == '-' && i != from && i != to - 1))) {
        return i;
      }
    }
    return -1;
  }
}
