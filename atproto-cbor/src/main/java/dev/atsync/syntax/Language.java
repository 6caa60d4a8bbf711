package dev.atsync.syntax;

import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BCP 47 language tag (RFC 5646), as record fields such as {@code langs} hold. The syntax
 * check is the RFC grammar with a lower-case two- or three-letter primary subtag;
 * {@link #parse} also rejects repeated variants and repeated extension singletons (RFC 5646
 * section 4.1), which the grammar alone allows.
 *
 * @param value the tag
 */
public record Language(String value) {
  private static final String KIND = "language tag";
  private static final Pattern GRAMMAR = Pattern.compile(
      "(?<grandfathered>en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn"
      + "|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka"
      + "|zh-min|zh-min-nan|zh-xiang)"
      + "|(?<language>[A-Za-z]{2,3}(-[A-Za-z]{3}(-[A-Za-z]{3}){0,2})?|[A-Za-z]{4}|[A-Za-z]{5,8})"
      + "(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
      + "(-[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+)*(-[xX](-[A-Za-z0-9]{1,8})+)?"
      + "|(?<privateuse>[xX](-[A-Za-z0-9]{1,8})+)");
  private static final Pattern PRIMARY = Pattern.compile("[a-z]{2,3}");

  /** Validates syntax and the no-duplicates rule. */
  public Language {
    Objects.requireNonNull(value, "value");
    if (!isValidSyntax(value)) {
      throw new InvalidSyntaxException(KIND, value, "not a BCP 47 language tag", -1);
    }
    String dup = duplicateSubtag(value);
    if (dup != null) {
      throw new InvalidSyntaxException(KIND, value, "repeated variant or extension '" + dup + "'", value.indexOf(dup));
    }
  }

  /** Parses a language tag. */
  public static Language parse(String s) {
    return new Language(s);
  }

  /** Whether {@code s} matches the BCP 47 grammar with a lower-case primary subtag. */
  public static boolean isValidSyntax(String s) {
    if (s.length() > 128) {
      return false;
    }
    Matcher m = GRAMMAR.matcher(s);
    if (!m.matches()) {
      return false;
    }
    String lang = m.group("language");
    return lang == null || PRIMARY.matcher(lang.split("-")[0]).matches();
  }

  /** The first repeated variant or extension singleton (case-insensitive), or null. */
  private static String duplicateSubtag(String s) {
    Matcher m = GRAMMAR.matcher(s);
    if (!m.matches() || m.group("language") == null) {
      return null;
    }
    String[] subtags = s.toLowerCase(Locale.ROOT).split("-");
    Set<String> variants = new HashSet<>();
    Set<String> singletons = new HashSet<>();
    boolean inExtension = false;
    for (int i = 1; i < subtags.length; i++) {
      String t = subtags[i];
      if (t.equals("x")) {
        break;
      }
      if (t.length() == 1) {
        inExtension = true;
        if (!singletons.add(t)) {
          return t;
        }
      } else if (!inExtension && (t.length() >= 5 || (t.length() == 4 && Character.isDigit(t.charAt(0))))) {
        if (!variants.add(t)) {
          return t;
        }
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return value;
  }
}
