package dev.atsync.mst;

import dev.atsync.cid.Cid;

/**
 * A block an operation had to look inside is not in the {@link BlockSource}: in a partial tree
 * (a commit's proof), a subtree the proof does not cover.
 */
public final class MissingBlockException extends MstException {
  private static final long serialVersionUID = 1L;
  private final transient Cid missing;

  /**
   * @param missing the absent block
   * @param context what was being done, such as {@code looking up app.bsky.feed.post/3k...}
   */
  public MissingBlockException(Cid missing, String context) {
    super("block " + missing + " is missing (" + context + ")", null);
    this.missing = missing;
  }

  /** The absent block. */
  public Cid missing() {
    return missing;
  }
}
