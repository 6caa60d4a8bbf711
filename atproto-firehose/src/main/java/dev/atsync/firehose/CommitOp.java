package dev.atsync.firehose;

import dev.atsync.cid.Cid;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code #repoOp} of a {@code #commit}, as it appears on the wire. The action and path are
 * kept as sent; {@link CommitEvent#validate} checks them. Valid shapes (Sync v1.1): a create has
 * {@code cid} and no {@code prev}; an update has both, and they differ; a delete has {@code prev}
 * and a null {@code cid}.
 *
 * @param action {@code create}, {@code update} or {@code delete}
 * @param path the record path {@code collection/rkey}
 * @param cid the new record CID ({@code null} on the wire for deletes)
 * @param prev the previous record CID (absent for creates)
 */
public record CommitOp(String action, String path, Optional<Cid> cid, Optional<Cid> prev) {
  /** @throws NullPointerException on a Java null component */
  public CommitOp {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(cid, "cid");
    Objects.requireNonNull(prev, "prev");
  }

  /** A create of {@code path} with record {@code cid}. */
  public static CommitOp create(String path, Cid cid) {
    return new CommitOp("create", path, Optional.of(cid), Optional.empty());
  }

  /** An update of {@code path} from {@code prev} to {@code cid}. */
  public static CommitOp update(String path, Cid cid, Cid prev) {
    return new CommitOp("update", path, Optional.of(cid), Optional.of(prev));
  }

  /** A delete of {@code path}, whose record was {@code prev}. */
  public static CommitOp delete(String path, Cid prev) {
    return new CommitOp("delete", path, Optional.empty(), Optional.of(prev));
  }
}
