package dev.atsync.mst;

import dev.atsync.cid.Cid;
import java.util.Optional;

/**
 * A Merkle Search Tree or repository problem: a node or commit block that does not decode or
 * breaks its rules, a block that is needed but absent ({@link MissingBlockException}), or
 * operations that do not fit the tree ({@code dev.atsync.repo.InversionException}, with the
 * path). Carries the CID of the block concerned when there is one, as {@code @atproto/repo}'s
 * errors do.
 *
 * <p>The root of the tree and repository exceptions, unchecked; not a byte-offset data-model
 * error: a malformed block is named by its CID, and the decoding error is the cause.
 */
public class MstException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Cid cid;

  /** @param cid the node concerned, or {@code null} */
  public MstException(String message, Cid cid) {
    super(cid == null ? message : message + " [block " + cid + "]");
    this.cid = cid;
  }

  /** With a cause. */
  public MstException(String message, Cid cid, Throwable cause) {
    super(cid == null ? message : message + " [block " + cid + "]", cause);
    this.cid = cid;
  }

  /** The node concerned, if any. */
  public Optional<Cid> cid() {
    return Optional.ofNullable(cid);
  }
}
