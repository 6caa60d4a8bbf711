package dev.atsync.repo;

import dev.atsync.mst.MstException;

/**
 * Operations that cannot be undone on a tree ({@link Operation#invert}): an operation whose CID
 * does not match what the tree holds at its path, or a path that appears twice. Part of the
 * {@link MstException} family; carries the path of the offending operation, as the tree key.
 */
public final class InversionException extends MstException {
  private static final long serialVersionUID = 1L;
  /** The offending operation's path, as the tree key. */
  private final String path;

  /**
   * @param path the offending operation's path, as the tree key ({@code collection/rkey})
   * @param message what does not match
   */
  public InversionException(String path, String message) {
    super(path + ": " + message, null);
    this.path = path;
  }

  /**
   * The offending operation's path, as the tree key.
   *
   * @return {@code collection/rkey}
   */
  public String path() {
    return path;
  }
}
