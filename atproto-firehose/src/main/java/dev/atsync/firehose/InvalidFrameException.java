package dev.atsync.firehose;

import java.util.Optional;

/**
 * A frame that is not a well-formed event-stream frame, or whose message breaks its lexicon:
 * malformed DAG-CBOR, a bad header, a missing or mistyped field, a syntax or limit violation.
 * Carries the reason, the field at fault when there is one, the byte offset, and, for
 * concatenated frames, the index of the frame (0-based).
 */
public final class InvalidFrameException extends FirehoseException {
  private static final long serialVersionUID = 1L;
  private final String reason;
  private final String field;
  private final int frameIndex;
  private final boolean overLimit;

  /**
   * @param reason what is wrong
   * @param field the message field at fault (for example {@code ops[3].prev}), or {@code null}
   * @param offset byte offset into the frame, or {@code -1}
   */
  public InvalidFrameException(String reason, String field, long offset) {
    this(reason, field, offset, -1, false, null);
  }

  /** With an underlying cause. */
  public InvalidFrameException(String reason, String field, long offset, Throwable cause) {
    this(reason, field, offset, -1, false, cause);
  }

  /** A frame, or a field of it, larger than a {@link FrameLimits} limit. */
  static InvalidFrameException overLimit(String reason, String field, long offset) {
    return new InvalidFrameException(reason, field, offset, -1, true, null);
  }

  private InvalidFrameException(
      String reason, String field, long offset, int frameIndex, boolean overLimit, Throwable cause) {
    super((frameIndex >= 0 ? "frame " + frameIndex + ": " : "")
        + (field != null ? field + ": " : "") + reason, offset, cause);
    this.reason = reason;
    this.field = field;
    this.frameIndex = frameIndex;
    this.overLimit = overLimit;
  }

  /** Whether the problem is a size or count over a {@link FrameLimits} limit. */
  public boolean isOverLimit() {
    return overLimit;
  }

  /** What is wrong, without the location. */
  public String reason() {
    return reason;
  }

  /** The field at fault, such as {@code blocks} or {@code ops[3].cid}. */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }

  /** Index of the frame within a concatenation, or {@code -1} for a single frame. */
  public int frameIndex() {
    return frameIndex;
  }

  /** The same problem, located at frame {@code index} that starts at {@code frameStart}. */
  InvalidFrameException inFrame(int index, long frameStart) {
    return new InvalidFrameException(
        reason, field, offset() >= 0 ? frameStart + offset() : -1, index, overLimit, getCause());
  }
}
