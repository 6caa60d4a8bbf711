package dev.atsync.syntax;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An atproto datetime: the intersection of RFC 3339 and ISO 8601 — {@code YYYY-MM-DDTHH:MM:SS},
 * optional fraction, and a required timezone ({@code Z} or {@code +HH:MM}/{@code -HH:MM}, never
 * {@code -00:00}); upper-case {@code T} and {@code Z}; at most 64 characters.
 *
 * <p>Two checks: {@link #isValidSyntax} is the string format; {@link #parse} also requires a real
 * instant (no month 13, no hour 25, no year 0000).
 *
 * @param value the datetime string
 */
public record Datetime(String value) {
  private static final String KIND = "datetime";
  private static final Pattern SYNTAX = Pattern.compile(
      "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{1,20})?(Z|[+-][0-2][0-9]:[0-5][0-9])");

  /** Validates syntax and that it names a real instant. */
  public Datetime {
    Objects.requireNonNull(value, "value");
    if (!isValidSyntax(value)) {
      throw new InvalidSyntaxException(KIND, value, "not YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)", -1);
    }
    Instant instant;
    try {
      instant = OffsetDateTime.parse(nanosecondPrecision(value), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeException e) {
      throw new InvalidSyntaxException(KIND, value, "not a real date and time: " + e.getMessage(), -1);
    }
    if (instant.isBefore(YEAR_ZERO)) {
      throw new InvalidSyntaxException(KIND, value, "before year 0000", -1);
    }
  }

  private static final Instant YEAR_ZERO = Instant.parse("0000-01-01T00:00:00Z");

  /** The fraction cut to nine digits: the format allows twenty, java.time reads nine. */
  private static String nanosecondPrecision(String s) {
    int dot = s.indexOf('.');
    if (dot < 0) {
      return s;
    }
    int end = dot + 1;
    while (end < s.length() && Character.isDigit(s.charAt(end))) {
      end++;
    }
    return end - dot - 1 <= 9 ? s : s.substring(0, dot + 10) + s.substring(end);
  }

  /** Parses a datetime (syntax and a real instant). */
  public static Datetime parse(String s) {
    return new Datetime(s);
  }

  /** Whether {@code s} has the datetime string format (it may still not name a real instant). */
  public static boolean isValidSyntax(String s) {
    return s.length() <= 64 && !s.endsWith("-00:00") && SYNTAX.matcher(s).matches();
  }

  /** The instant. */
  public Instant toInstant() {
    return OffsetDateTime.parse(nanosecondPrecision(value), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
  }

  /** The preferred form of an instant: UTC, milliseconds, {@code Z}. */
  public static Datetime of(Instant instant) {
    return new Datetime(PREFERRED.format(instant));
  }

  private static final DateTimeFormatter PREFERRED =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

  @Override
  public String toString() {
    return value;
  }
}
