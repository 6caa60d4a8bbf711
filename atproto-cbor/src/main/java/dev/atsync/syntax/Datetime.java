package dev.atsync.syntax;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * An atproto datetime: the intersection of RFC 3339 and ISO 8601 — {@code YYYY-MM-DDTHH:MM:SS},
 * optional fraction, and a required timezone ({@code Z} or {@code +HH:MM}/{@code -HH:MM}, never
 * {@code -00:00}); upper-case {@code T} and {@code Z}; at most 64 characters.
 *
 * <p>Two checks: {@link #isValidSyntax} is the string format; {@link #parse} also requires a real
 * instant (no month 13, no hour 25, no second 60, an offset within ±18:00, nothing before year
 * 0000). Both are hand-written character checks: every firehose message carries a datetime, and
 * a regular expression plus a {@code java.time} parse cost about a microsecond, a third of the
 * time of decoding a whole frame.
 *
 * @param value the datetime string
 */
public record Datetime(String value) {
  private static final String KIND = "datetime";
  /** Longest datetime accepted. */
  public static final int MAX_LENGTH = 64;

  /**
   * Validates syntax and that the value names a real instant.
   *
   * @throws InvalidSyntaxException naming what is wrong
   */
  public Datetime {
    Objects.requireNonNull(value, "value");
    int end = syntaxEnd(value);
    if (end < 0) {
      throw new InvalidSyntaxException(KIND, value, "not YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)", -1);
    }
    String problem = realInstantProblem(value, end);
    if (problem != null) {
      throw new InvalidSyntaxException(KIND, value, problem, -1);
    }
  }

  /**
   * Parses a datetime (syntax and a real instant).
   *
   * @param s the text
   * @return the datetime
   * @throws InvalidSyntaxException naming what is wrong
   */
  public static Datetime parse(String s) {
    return new Datetime(s);
  }

  /**
   * Whether {@code s} has the datetime string format (it may still not name a real instant).
   *
   * @param s the text
   * @return whether it has the string format
   */
  public static boolean isValidSyntax(String s) {
    return syntaxEnd(s) >= 0;
  }

  /**
   * Checks the string format: {@code [0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9]},
   * an optional fraction of 1 to 20 digits, then {@code Z} or {@code [+-][0-2][0-9]:[0-5][0-9]}
   * (not {@code -00:00}), at most {@value #MAX_LENGTH} characters.
   *
   * @return the index where the timezone starts, or -1 if the format is wrong
   */
  private static int syntaxEnd(String s) {
    int n = s.length();
    if (n < 20 || n > MAX_LENGTH
        || !digits(s, 0, 4) || s.charAt(4) != '-' || !in(s, 5, '0', '1') || !digits(s, 6, 1) || s.charAt(7) != '-'
        || !in(s, 8, '0', '3') || !digits(s, 9, 1) || s.charAt(10) != 'T'
        || !in(s, 11, '0', '2') || !digits(s, 12, 1) || s.charAt(13) != ':'
        || !in(s, 14, '0', '6') || !digits(s, 15, 1) || s.charAt(16) != ':'
        || !in(s, 17, '0', '6') || !digits(s, 18, 1)) {
      return -1;
    }
    int i = 19;
    if (s.charAt(i) == '.') {
      int start = ++i;
      while (i < n && Chars.digit(s.charAt(i))) {
        i++;
      }
      if (i == start || i - start > 20) {
        return -1;
      }
    }
    if (i == n - 1 && s.charAt(i) == 'Z') {
      return i;
    }
    if (i != n - 6 || (s.charAt(i) != '+' && s.charAt(i) != '-') || !in(s, i + 1, '0', '2') || !digits(s, i + 2, 1)
        || s.charAt(i + 3) != ':' || !in(s, i + 4, '0', '5') || !digits(s, i + 5, 1)) {
      return -1;
    }
    return s.endsWith("-00:00") ? -1 : i;
  }

  /**
   * What keeps a well-formed datetime from naming a real instant, or {@code null}: the same rules
   * as {@code java.time}'s strict ISO parse, plus the instant not before year 0000.
   *
   * @param zone the index of the timezone ({@code Z}, {@code +} or {@code -})
   */
  private static String realInstantProblem(String s, int zone) {
    int year = number(s, 0, 4);
    int month = number(s, 5, 2);
    int day = number(s, 8, 2);
    int hour = number(s, 11, 2);
    int minute = number(s, 14, 2);
    int second = number(s, 17, 2);
    if (month < 1 || month > 12) {
      return "not a real date and time: month " + month;
    }
    if (day < 1 || day > daysIn(year, month)) {
      return "not a real date and time: day " + day + " of " + year + "-" + s.substring(5, 7);
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return "not a real date and time: time " + s.substring(11, 19);
    }
    if (s.charAt(zone) == 'Z') {
      return null;
    }
    int offsetHours = number(s, zone + 1, 2);
    int offsetMinutes = number(s, zone + 4, 2);
    if (offsetHours > 18 || (offsetHours == 18 && offsetMinutes > 0)) {
      return "not a real date and time: offset " + s.substring(zone) + " is beyond ±18:00";
    }
    int offsetSeconds = offsetHours * 3600 + offsetMinutes * 60;
    if (year == 0 && month == 1 && day == 1 && s.charAt(zone) == '+'
        && hour * 3600 + minute * 60 + second < offsetSeconds) {
      return "before year 0000";
    }
    return null;
  }

  private static int daysIn(int year, int month) {
    switch (month) {
      case 2:
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28;
      case 4:
      case 6:
      case 9:
      case 11:
        return 30;
      default:
        return 31;
    }
  }

  private static boolean digits(String s, int from, int count) {
    for (int i = from; i < from + count; i++) {
      if (!Chars.digit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean in(String s, int i, char lo, char hi) {
    char c = s.charAt(i);
    return c >= lo && c <= hi;
  }

  private static int number(String s, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      v = v * 10 + (s.charAt(i) - '0');
    }
    return v;
  }

  /** The fraction cut to nine digits: the format allows twenty, java.time reads nine. */
  private static String nanosecondPrecision(String s) {
    int dot = s.indexOf('.');
    if (dot < 0) {
      return s;
    }
    int end = dot + 1;
    while (end < s.length() && Chars.digit(s.charAt(end))) {
      end++;
    }
    return end - dot - 1 <= 9 ? s : s.substring(0, dot + 10) + s.substring(end);
  }

  /**
   * The instant this datetime names.
   *
   * @return the instant (fractions beyond nanoseconds are cut)
   */
  public Instant toInstant() {
    return OffsetDateTime.parse(nanosecondPrecision(value), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
  }

  /**
   * The preferred form of an instant: UTC, milliseconds, {@code Z}.
   *
   * @param instant the instant
   * @return its datetime
   */
  public static Datetime of(Instant instant) {
    return new Datetime(PREFERRED.format(instant));
  }

  private static final DateTimeFormatter PREFERRED =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

  /** The datetime as given. */
  @Override
  public String toString() {
    return value;
  }
}
