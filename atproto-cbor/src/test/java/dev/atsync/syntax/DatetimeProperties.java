package dev.atsync.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The hand-written datetime checks against the reference they replaced: the atproto spec's
 * regular expression for the syntax and a strict {@code java.time} parse for the real instant.
 */
class DatetimeProperties {
  private static final Pattern SYNTAX = Pattern.compile(
      "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{1,20})?(Z|[+-][0-2][0-9]:[0-5][0-9])");
  private static final Instant YEAR_ZERO = Instant.parse("0000-01-01T00:00:00Z");

  static boolean referenceSyntax(String s) {
    return s.length() <= 64 && !s.endsWith("-00:00") && SYNTAX.matcher(s).matches();
  }

  static boolean referenceParse(String s) {
    return referenceInstant(s) != null;
  }

  /** The instant as the reference parse reads it, or null if it rejects {@code s}. */
  static Instant referenceInstant(String s) {
    if (!referenceSyntax(s)) {
      return null;
    }
    int dot = s.indexOf('.');
    String nanos = s;
    if (dot >= 0) {
      int end = dot + 1;
      while (end < s.length() && Character.isDigit(s.charAt(end))) {
        end++;
      }
      nanos = end - dot - 1 <= 9 ? s : s.substring(0, dot + 10) + s.substring(end);
    }
    try {
      Instant i = OffsetDateTime.parse(nanos, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      return i.isBefore(YEAR_ZERO) ? null : i;
    } catch (DateTimeException e) {
      return null;
    }
  }

  static boolean accepts(String s) {
    try {
      Datetime.parse(s);
      return true;
    } catch (InvalidSyntaxException e) {
      return false;
    }
  }

  /** Datetime-shaped strings with every field ranging past its limits. */
  @Provide
  Arbitrary<String> nearlyDatetimes() {
    Arbitrary<String> date = Combinators.combine(
        Arbitraries.oneOf(Arbitraries.integers().between(0, 9999), Arbitraries.of(0, 1, 1900, 2000, 2024, 2100)),
        Arbitraries.integers().between(0, 19), Arbitraries.integers().between(0, 39))
        .as((y, m, d) -> String.format("%04d-%02d-%02d", y, m, d));
    Arbitrary<String> time = Combinators.combine(Arbitraries.integers().between(0, 29),
        Arbitraries.integers().between(0, 69), Arbitraries.integers().between(0, 69))
        .as((h, m, s) -> String.format("T%02d:%02d:%02d", h, m, s));
    Arbitrary<String> fraction = Arbitraries.oneOf(Arbitraries.just(""),
        Arbitraries.strings().numeric().ofMinLength(0).ofMaxLength(22).map(f -> "." + f));
    Arbitrary<String> zone = Arbitraries.oneOf(Arbitraries.of("Z", "z", "", "+00:00", "-00:00", "+18:00", "-18:01"),
        Combinators.combine(Arbitraries.of('+', '-'), Arbitraries.integers().between(0, 29),
            Arbitraries.integers().between(0, 69)).as((sign, h, m) -> String.format("%c%02d:%02d", sign, h, m)));
    Arbitrary<String> noise = Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.of(" ", "x", "t", "-", "0"));
    return Combinators.combine(date, time, fraction, zone, noise).as((d, t, f, z, x) -> d + t + f + z + x);
  }

  @Property(tries = 5000)
  void syntaxMatchesTheSpecRegex(@ForAll("nearlyDatetimes") String s) {
    assertEquals(referenceSyntax(s), Datetime.isValidSyntax(s), s);
  }

  @Property(tries = 5000)
  void parseMatchesStrictJavaTime(@ForAll("nearlyDatetimes") String s) {
    assertEquals(referenceParse(s), accepts(s), s);
  }

  @Property
  void arbitraryTextMatchesToo(@ForAll String s) {
    assertEquals(referenceSyntax(s), Datetime.isValidSyntax(s), s);
    assertEquals(referenceParse(s), accepts(s), s);
  }

  @Property
  void instantsRoundTrip(@ForAll("nearlyDatetimes") String s) {
    Instant expected = referenceInstant(s);
    if (expected != null) {
      assertEquals(expected, Datetime.parse(s).toInstant(), s);
    }
  }
}
