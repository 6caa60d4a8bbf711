package dev.atsync.repo;

import dev.atsync.cid.Cid;
import dev.atsync.mst.KeyChange;
import java.util.Objects;
import java.util.Optional;

/**
 * One record operation of a commit, in the Sync v1.1 shape of a {@code #commit} op: a create has
 * {@code cid} and no {@code prev}; an update has both (different); a delete has {@code prev} and
 * no {@code cid}.
 *
 * @param action what happened
 * @param path the record
 * @param cid the new record CID
 * @param prev the previous record CID
 */
public record RepoOp(Action action, RepoPath path, Optional<Cid> cid, Optional<Cid> prev) {
  /** The three actions. */
  public enum Action {
    /** A new record. */
    CREATE,
    /** A replaced record. */
    UPDATE,
    /** A removed record. */
    DELETE;

    /** The lexicon value: {@code create}, {@code update} or {@code delete}. */
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Validates the shape. */
  public RepoOp {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(cid, "cid");
    Objects.requireNonNull(prev, "prev");
    boolean ok = switch (action) {
      case CREATE -> cid.isPresent() && prev.isEmpty();
      case UPDATE -> cid.isPresent() && prev.isPresent() && !cid.equals(prev);
      case DELETE -> cid.isEmpty() && prev.isPresent();
    };
    if (!ok) {
      throw new IllegalArgumentException(action.wire() + " of " + path + " has the wrong shape: cid "
          + cid.map(Cid::toString).orElse("none") + ", prev " + prev.map(Cid::toString).orElse("none"));
    }
  }

  /** The MST-level change. */
  public KeyChange toKeyChange() {
    return new KeyChange(path.toString(), prev, cid);
  }
}
