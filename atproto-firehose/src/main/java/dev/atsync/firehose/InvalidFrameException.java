package dev.atsync.firehose;

import dev.atsync.cbor.DataModelException;
import java.util.Optional;

/**
 * A frame that is not a well-formed event-stream frame, or whose message breaks its lexicon:
 * malformed DAG-CBOR, a bad header, a missing or mistyped field, a field that does not parse as
 * its syntax type (DID, TID, datetime, handle), a size over a limit, or an op of the wrong shape.
 * Carries the reason, the field at fault when there is one, the byte offset, the class of rule
 * broken ({@link #kind()}: empty when the frame is not even the right structure), and, for
 * concatenated frames, the index of the frame (0-based).
 */
public final class InvalidFrameException extends DataModelException {
  private static final long serialVersionUID = 1L;
  /** What is wrong, without the location. */
  private final String reason;
  /** The field at fault, or null. */
  private final String field;
  /** Index of the frame in a concatenation, or -1. */
  private final int frameIndex;
  /** The class of lexicon rule broken, or null for a frame of the wrong structure. */
  private final Violation.Kind kind;

  /**
   * A frame that is not the right structure: malformed DAG-CBOR, a bad header, a missing or
   * mistyped field.
   *
   * @param reason what is wrong
   * @param field the message field at fault (for example {@code ops[3].prev}), or {@code null}
   * @param offset byte offset into the frame, or {@code -1}
   */
  public InvalidFrameException(String reason, String field, long offset) {
    this(reason, field, offset, -1, null, null);
  }

  /**
   * As {@link #InvalidFrameException(String, String, long)} with an underlying cause.
   *
   * @param reason what is wrong
   * @param field the message field at fault, or {@code null}
   * @param offset byte offset into the frame, or {@code -1}
   * @param cause the underlying failure, usually a {@code CborException}
   */
  public InvalidFrameException(String reason, String field, long offset, Throwable cause) {
    this(reason, field, offset, -1, null, cause);
  }

  /**
   * A well-structured message that breaks one of its lexicon's rules.
   *
   * @param kind the class of rule broken
   * @param reason what is wrong
   * @param field the message field at fault, or {@code null}
   * @param offset byte offset into the frame, or {@code -1}
   * @param cause the underlying failure, or {@code null}
   */
  public InvalidFrameException(Violation.Kind kind, String reason, String field, long offset, Throwable cause) {
    this(reason, field, offset, -1, java.util.Objects.requireNonNull(kind, "kind"), cause);
  }

  /** A frame, or a field of it, larger than a {@link FrameLimits} limit. */
  static InvalidFrameException overLimit(String reason, String field, long offset) {
    return new InvalidFrameException(reason, field, offset, -1, Violation.Kind.LIMIT, null);
  }

  private InvalidFrameException(
      String reason, String field, long offset, int frameIndex, Violation.Kind kind, Throwable cause) {
    super((frameIndex >= 0 ? "frame " + frameIndex + ": " : "")
        + (field != null ? field + ": " : "") + reason, offset, cause);
    this.reason = reason;
    this.field = field;
    this.frameIndex = frameIndex;
    this.kind = kind;
  }

  /**
   * The class of lexicon rule the message breaks ({@link Violation.Kind#SYNTAX},
   * {@link Violation.Kind#LIMIT}, {@link Violation.Kind#OP_SHAPE}, ...), or empty when the frame
   * is not the right structure at all (malformed DAG-CBOR, a missing or mistyped field).
   *
   * @return the kind of violation, if the problem is one
   */
  public Optional<Violation.Kind> kind() {
    return Optional.ofNullable(kind);
  }

  /**
   * Whether the problem is a size or count over a {@link FrameLimits} limit.
   *
   * @return whether {@link #kind()} is {@link Violation.Kind#LIMIT}
   */
  public boolean isOverLimit() {
    return kind == Violation.Kind.LIMIT;
  }

  /**
   * What is wrong, without the location.
   *
   * @return the reason
   */
  public String reason() {
    return reason;
  }

  /**
   * The field at fault, such as {@code blocks} or {@code ops[3].cid}.
   *
   * @return the field, if the problem is in one
   */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }

  /**
   * Index of the frame within a concatenation.
   *
   * @return the 0-based index, or {@code -1} for a single frame
   */
  public int frameIndex() {
    return frameIndex;
  }

  /** The same problem, located at frame {@code index} that starts at {@code frameStart}. */
  InvalidFrameException inFrame(int index, long frameStart) {
    return new InvalidFrameException(
        reason, field, offset() >= 0 ? frameStart + offset() : -1, index, kind, getCause());
  }

  /** The same problem in a field nested under {@code parent}, such as {@code ops[2]}. */
  InvalidFrameException under(String parent) {
    return new InvalidFrameException(reason, field == null ? parent : parent + "." + field, offset(), frameIndex, kind,
        getCause());
  }
}
