package dev.atsync.firehose;

import java.util.Objects;

/**
 * One way a decoded message breaks its lexicon or the Sync v1.1 rules for its shape.
 *
 * @param kind the class of problem
 * @param field the field at fault, such as {@code ops[2].prev}
 * @param message what is wrong, for a PDS developer
 */
public record Violation(Kind kind, String field, String message) {
  /** The classes of problem {@link EventValidator} reports. */
  public enum Kind {
    /** A DID, TID, datetime, handle or record path that does not parse. */
    SYNTAX,
    /** Over a lexicon limit (ops, blocks size). */
    LIMIT,
    /** An op whose action, {@code cid} and {@code prev} do not fit together. */
    OP_SHAPE,
    /** Two ops on one path in one commit. */
    DUPLICATE_PATH,
    /** A deprecated flag ({@code tooBig}, {@code rebase}) set to true. */
    DEPRECATED_FLAG
  }

  /** Rejects Java nulls. */
  public Violation {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
