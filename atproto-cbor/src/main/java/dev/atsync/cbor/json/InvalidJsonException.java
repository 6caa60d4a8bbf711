package dev.atsync.cbor.json;

import dev.atsync.cbor.DataModelException;

/**
 * Atproto JSON that is not valid data-model JSON: a float, a malformed {@code $link},
 * {@code $bytes} or blob, a bad {@code $type}, or JSON that does not parse. Names the JSON path
 * ({@code $.rcrd.a}) of the problem.
 */
public final class InvalidJsonException extends DataModelException {
  private static final long serialVersionUID = 1L;
  /** JSON path of the offending value. */
  private final String path;

  /**
   * @param path JSON path of the offending value, such as {@code $.post.facets[0]}
   * @param offset character offset in the input, or {@code -1}
   */
  public InvalidJsonException(String path, String message, long offset) {
    super(path + ": " + message, offset);
    this.path = path;
  }

  /** JSON path of the offending value. */
  public String path() {
    return path;
  }
}
