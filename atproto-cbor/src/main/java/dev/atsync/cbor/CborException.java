package dev.atsync.cbor;

/**
 * Input that is not strict DAG-CBOR as atproto requires it. {@link #rule()} says which rule was
 * broken and {@link #offset()} the absolute byte offset into the input array where the offending
 * item (or byte) starts. The message names both.
 */
public final class CborException extends DataModelException {
  private static final long serialVersionUID = 1L;

  /** One constant per rejection rule of the strict decoder. */
  public enum Rule {
    /** An integer, tag or simple value not encoded in the shortest head. */
    NON_MINIMAL_INTEGER,
    /** A string, list or map length not encoded in the shortest head. */
    NON_MINIMAL_LENGTH,
    /** Indefinite-length string, list or map, or a stray "break" byte. */
    INDEFINITE_LENGTH,
    /** Map keys not in canonical order (shorter first, then bytewise). */
    UNSORTED_MAP_KEYS,
    /** The same key twice in one map. */
    DUPLICATE_MAP_KEY,
    /** A floating-point number (atproto forbids floats). */
    FLOAT,
    /** The simple value {@code undefined}. */
    UNDEFINED,
    /** A simple value other than false, true and null. */
    SIMPLE_VALUE,
    /** A CBOR tag other than 42 (CID link). */
    UNSUPPORTED_TAG,
    /** A map key that is not a text string. */
    NON_TEXT_MAP_KEY,
    /** Text that is not well-formed UTF-8 (overlong, surrogate, above U+10FFFF, truncated). */
    INVALID_UTF8,
    /** Tag 42 whose content is not a byte string holding 0x00 and a valid atproto CID. */
    INVALID_CID,
    /** Bytes after the single top-level value. */
    TRAILING_BYTES,
    /** Nesting deeper than the reader's maximum depth. */
    TOO_DEEP,
    /** The input ends inside an item head. */
    TRUNCATED,
    /** A declared length or item count larger than the remaining input could hold. */
    LENGTH_EXCEEDS_INPUT,
    /** An integer below -2^63 or above 2^63-1. */
    INTEGER_OUT_OF_RANGE,
    /** Additional-information values 28 to 30, which CBOR reserves. */
    RESERVED_ADDITIONAL_INFO,
    /** The next item is valid but not of the kind the caller asked for. */
    WRONG_KIND
  }

  private final Rule rule;

  /**
   * @param rule the rule broken
   * @param message what was found
   * @param offset absolute byte offset into the input
   */
  public CborException(Rule rule, String message, long offset) {
    super(rule.name() + ": " + message, offset);
    this.rule = rule;
  }

  /** The rule the input broke. */
  public Rule rule() {
    return rule;
  }
}
