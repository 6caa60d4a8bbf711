package dev.atsync.cbor.json;

import dev.atsync.cbor.DataModelException;

/**
 * Atproto JSON that is malformed or breaks a data-model rule. {@link #path()} names the place, as
 * {@code $} for the root, {@code .key} for object members and {@code [i]} for list items;
 * {@link #offset()} is the character offset in the JSON text where known, else {@code -1}.
 */
public final class JsonDataException extends DataModelException {
  private static final long serialVersionUID = 1L;
  private final String path;

  /**
   * @param message what is wrong
   * @param path JSON path of the problem, such as {@code $.embed.images[0].image.ref}
   * @param offset character offset in the JSON text, or {@code -1}
   */
  public JsonDataException(String message, String path, long offset) {
    super(message + " at " + path, offset);
    this.path = path;
  }

  /** JSON path of the problem, such as {@code $.embed.images[0].image.ref}. */
  public String path() {
    return path;
  }
}
