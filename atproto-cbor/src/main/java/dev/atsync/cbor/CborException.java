package dev.atsync.cbor;

/**
 * Input that is not DAG-CBOR as atproto uses it (the DRISL profile). Names the rule broken and
 * the byte offset where it was found.
 */
public final class CborException extends DataModelException {
  private static final long serialVersionUID = 1L;
  /** The rule broken. */
  private final Rule rule;

  /** The strictness rules of the decoder, one per kind of rejection. */
  public enum Rule {
    /** An integer, length or tag argument not in its shortest form. */
    NON_MINIMAL_ENCODING,
    /** Indefinite-length string, list or map. */
    INDEFINITE_LENGTH,
    /** Map keys out of canonical order (shorter first, then bytewise). */
    UNSORTED_MAP_KEYS,
    /** The same key twice in one map. */
    DUPLICATE_MAP_KEY,
    /** A floating-point number: atproto forbids them. */
    FLOAT,
    /** The simple value {@code undefined}. */
    UNDEFINED,
    /** A simple value other than false, true and null. */
    SIMPLE_VALUE,
    /** A tag other than 42 (CID link). */
    UNSUPPORTED_TAG,
    /** A map key that is not a text string. */
    NON_TEXT_MAP_KEY,
    /** Text that is not valid UTF-8. */
    INVALID_UTF8,
    /** A tag-42 link that is not a byte string holding 0x00 and a valid CIDv1. */
    INVALID_CID,
    /** Bytes left after the value. */
    TRAILING_BYTES,
    /** Nesting deeper than the decoder's limit. */
    TOO_DEEP,
    /** Input ends inside a value. */
    TRUNCATED,
    /** A declared length or count larger than the remaining input could hold. */
    LENGTH_EXCEEDS_INPUT,
    /** An integer outside the signed 64-bit range. */
    INTEGER_OUT_OF_RANGE,
    /** A reserved additional-information value (28 to 30). */
    RESERVED,
    /** The caller asked for one kind of value and the input holds another. */
    UNEXPECTED_TYPE
  }

  /**
   * @param rule the rule broken
   * @param detail what was found
   * @param offset byte offset of the offending item
   */
  public CborException(Rule rule, String detail, long offset) {
    super(rule + ": " + detail, offset);
    this.rule = rule;
  }

  /** The rule broken. */
  public Rule rule() {
    return rule;
  }
}
