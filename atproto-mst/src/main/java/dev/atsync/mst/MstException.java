package dev.atsync.mst;

import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import java.util.Optional;

/**
 * A Merkle Search Tree problem: a node that does not decode or breaks the MST rules, a block that
 * is needed but absent ({@link MissingBlockException}), or ops that do not fit the tree
 * ({@link InversionException}). Carries the CID of the node concerned when there is one.
 */
public class MstException extends DataModelException {
  private static final long serialVersionUID = 1L;
  private final transient Cid cid;

  /** @param cid the node concerned, or {@code null} */
  public MstException(String message, Cid cid) {
    super(cid == null ? message : message + " [node " + cid + "]", -1);
    this.cid = cid;
  }

  /** With a cause. */
  public MstException(String message, Cid cid, Throwable cause) {
    super(cid == null ? message : message + " [node " + cid + "]", -1, cause);
    this.cid = cid;
  }

  /** The node concerned, if any. */
  public Optional<Cid> cid() {
    return Optional.ofNullable(cid);
  }
}
