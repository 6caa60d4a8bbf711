package dev.atsync.firehose;

import dev.atsync.cid.Cid;
import dev.atsync.repo.Operation;
import dev.atsync.repo.RepoPath;
import dev.atsync.syntax.InvalidSyntaxException;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code #repoOp} of a {@code #commit} exactly as the lexicon shapes it on the wire: an action
 * string, a path string and two optional CIDs. It can hold what a peer sends even when that is
 * not a valid operation (an unknown action, a legacy update without {@code prev}), so that a
 * verifier can report it under its policy rather than fail to decode the message.
 *
 * <p>{@link #toOperation()} is the one conversion to the repository's
 * {@link dev.atsync.repo.Operation} (and {@link #of(Operation)} the way back, for encoding).
 * Valid shapes (Sync v1.1): a create has {@code cid} and no {@code prev}; an update has both, and
 * they differ; a delete has {@code prev} and a null {@code cid}.
 *
 * @param action {@code create}, {@code update} or {@code delete}, as sent
 * @param path the record path {@code collection/rkey}, as sent
 * @param cid the new record CID ({@code null} on the wire for deletes)
 * @param prev the previous record CID (absent for creates)
 */
public record CommitOp(String action, String path, Optional<Cid> cid, Optional<Cid> prev) {
  /**
   * Keeps the op as sent; only Java nulls are rejected.
   *
   * @throws NullPointerException on a Java null component
   */
  public CommitOp {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(cid, "cid");
    Objects.requireNonNull(prev, "prev");
  }

  /**
   * The wire form of a repository operation.
   *
   * @param op the operation
   * @return the op as a {@code #commit} carries it
   */
  public static CommitOp of(Operation op) {
    return new CommitOp(op.action().wire(), op.path().toString(), op.cid(), op.prev());
  }

  /**
   * A create of {@code path} with record {@code cid}.
   *
   * @param path the record path
   * @param cid the record's CID
   * @return the op
   */
  public static CommitOp create(String path, Cid cid) {
    return new CommitOp("create", path, Optional.of(cid), Optional.empty());
  }

  /**
   * An update of {@code path} from {@code prev} to {@code cid}.
   *
   * @param path the record path
   * @param cid the record's new CID
   * @param prev its previous CID
   * @return the op
   */
  public static CommitOp update(String path, Cid cid, Cid prev) {
    return new CommitOp("update", path, Optional.of(cid), Optional.of(prev));
  }

  /**
   * A delete of {@code path}, whose record was {@code prev}.
   *
   * @param path the record path
   * @param prev the removed record's CID
   * @return the op
   */
  public static CommitOp delete(String path, Cid prev) {
    return new CommitOp("delete", path, Optional.empty(), Optional.of(prev));
  }

  /**
   * This op as a repository operation, checking its path and shape.
   *
   * @return the operation
   * @throws InvalidFrameException of kind {@link Violation.Kind#SYNTAX} (field {@code path}) if the
   *     path is not {@code collection/rkey}, or of kind {@link Violation.Kind#OP_SHAPE} (field
   *     {@code action}, {@code cid} or {@code prev}) if the action is unknown or the CIDs do not fit it
   */
  public Operation toOperation() {
    RepoPath p;
    try {
      p = RepoPath.parse(path);
    } catch (InvalidSyntaxException e) {
      throw new InvalidFrameException(Violation.Kind.SYNTAX, "not a record path collection/rkey: " + quote(path),
          "path", -1, e);
    }
    switch (action) {
      case "create":
        require(cid.isPresent(), "cid", "create must have a cid");
        require(prev.isEmpty(), "prev", "create must not have a prev");
        break;
      case "update":
        require(cid.isPresent(), "cid", "update must have a cid");
        require(prev.isPresent(), "prev", "update must have a prev (Sync v1.1), or it cannot be inverted");
        require(!cid.equals(prev), "prev", "update has cid equal to prev");
        break;
      case "delete":
        require(cid.isEmpty(), "cid", "delete must have a null cid");
        require(prev.isPresent(), "prev", "delete must have a prev (Sync v1.1), or it cannot be inverted");
        break;
      default:
        throw shape("action", "unknown action " + quote(action) + " (create, update or delete)");
    }
    return new Operation(p, cid, prev);
  }

  private static void require(boolean ok, String field, String reason) {
    if (!ok) {
      throw shape(field, reason);
    }
  }

  private static InvalidFrameException shape(String field, String reason) {
    return new InvalidFrameException(Violation.Kind.OP_SHAPE, reason, field, -1, null);
  }

  static String quote(String s) {
    return s.length() > 80 ? "\"" + s.substring(0, 77) + "...\"" : "\"" + s + "\"";
  }
}
