package dev.atsync.mst;

/**
 * Ops that cannot be undone on the tree: an op whose path or CIDs do not match what the tree
 * holds, an op of the wrong shape, or a path that appears twice.
 */
public final class InversionException extends MstException {
  private static final long serialVersionUID = 1L;
  private final String path;

  /**
   * @param path the record path of the offending op
   * @param message what does not match
   */
  public InversionException(String path, String message) {
    super(path + ": " + message, null);
    this.path = path;
  }

  /** The record path of the offending op. */
  public String path() {
    return path;
  }
}
