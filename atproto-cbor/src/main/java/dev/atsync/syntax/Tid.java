package dev.atsync.syntax;

import java.time.Instant;
import java.util.Objects;

/**
 * A timestamp identifier: 13 characters of base32-sortable ({@code 234567abcdefghijklmnopqrstuvwxyz})
 * encoding a 64-bit integer whose top bit is zero: 53 bits of microseconds since the Unix epoch
 * and a 10-bit clock id. TIDs compare as strings in time order; repository revs are TIDs.
 *
 * @param value the 13-character TID
 */
public record Tid(String value) implements Comparable<Tid> {
  /** Length of every TID. */
  public static final int LENGTH = 13;
  private static final String ALPHABET = "234567abcdefghijklmnopqrstuvwxyz";
  private static final String KIND = "TID";

  /** Validates {@code value}. */
  public Tid {
    Objects.requireNonNull(value, "value");
    check(value);
  }

  /** Parses a TID. */
  public static Tid parse(String s) {
    return new Tid(s);
  }

  /** Whether {@code s} is a valid TID. */
  public static boolean isValid(String s) {
    if (s.length() != LENGTH || index(s.charAt(0)) < 0 || index(s.charAt(0)) >= 16) {
      return false;
    }
    for (int i = 1; i < LENGTH; i++) {
      if (index(s.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  static void check(String s) {
    if (s.length() != LENGTH) {
      throw new InvalidSyntaxException(KIND, s, "must be " + LENGTH + " characters", Math.min(s.length(), LENGTH));
    }
    for (int i = 0; i < LENGTH; i++) {
      int v = index(s.charAt(i));
      if (v < 0) {
        throw new InvalidSyntaxException(KIND, s, "character '" + s.charAt(i) + "' is not base32-sortable", i);
      }
      if (i == 0 && v >= 16) {
        throw new InvalidSyntaxException(KIND, s, "first character must be one of 234567abcdefghij (top bit zero)", 0);
      }
    }
  }

  private static int index(char c) {
    if (c >= '2' && c <= '7') {
      return c - '2';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 6;
    }
    return -1;
  }

  /**
   * The TID for a timestamp and clock id.
   *
   * @param micros microseconds since the Unix epoch, 0 to 2^53-1
   * @param clockId 0 to 1023
   */
  public static Tid of(long micros, int clockId) {
    if (micros < 0 || micros >= (1L << 53)) {
      throw new IllegalArgumentException("micros out of range: " + micros);
    }
    if (clockId < 0 || clockId > 1023) {
      throw new IllegalArgumentException("clock id out of range: " + clockId);
    }
    long v = (micros << 10) | clockId;
    char[] c = new char[LENGTH];
    for (int i = LENGTH - 1; i >= 0; i--) {
      c[i] = ALPHABET.charAt((int) (v & 31));
      v >>>= 5;
    }
    return new Tid(new String(c));
  }

  /** The 63-bit integer the TID encodes. */
  public long toLong() {
    long v = 0;
    for (int i = 0; i < LENGTH; i++) {
      v = (v << 5) | index(value.charAt(i));
    }
    return v;
  }

  /** Microseconds since the Unix epoch. */
  public long timestampMicros() {
    return toLong() >>> 10;
  }

  /** The clock id, 0 to 1023. */
  public int clockId() {
    return (int) (toLong() & 1023);
  }

  /** The timestamp as an instant. */
  public Instant instant() {
    long micros = timestampMicros();
    return Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
  }

  /**
   * Time order (then clock id): the base32-sortable alphabet is in ASCII order, so comparing the
   * strings compares the 63-bit integers. Repository revs are compared with this.
   */
  @Override
  public int compareTo(Tid o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
