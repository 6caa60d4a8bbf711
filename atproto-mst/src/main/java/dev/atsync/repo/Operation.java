package dev.atsync.repo;

import dev.atsync.cid.Cid;
import dev.atsync.mst.MissingBlockException;
import dev.atsync.mst.Mst;
import dev.atsync.mst.MstException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One record operation of a commit: the record's path, its new CID and its previous CID. The
 * action follows from which CIDs are present: a create has only {@code cid}, an update has both
 * (and they differ), a delete has only {@code prev}. That is the Sync v1.1 shape of a
 * {@code #commit} op, and every operation is valid by construction.
 *
 * <p>The one type for a record change: {@link Repository} produces them, a {@code #commit}
 * message's wire ops convert to them (in atproto-firehose), and {@link #invert} undoes them on a
 * tree.
 *
 * @param path the record
 * @param cid the record's new CID; empty for a delete
 * @param prev the record's previous CID; empty for a create
 */
public record Operation(RepoPath path, Optional<Cid> cid, Optional<Cid> prev) {
  /** What an operation does to its record. */
  public enum Action {
    /** A new record: {@code cid} only. */
    CREATE,
    /** A replaced record: {@code cid} and {@code prev}, different. */
    UPDATE,
    /** A removed record: {@code prev} only. */
    DELETE;

    /**
     * The lexicon value.
     *
     * @return {@code create}, {@code update} or {@code delete}
     */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Validates the shape.
   *
   * @throws IllegalArgumentException if neither CID is present (nothing changes) or both are the
   *     same (an update that does not change the record)
   */
  public Operation {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(cid, "cid");
    Objects.requireNonNull(prev, "prev");
    if (cid.isEmpty() && prev.isEmpty()) {
      throw new IllegalArgumentException("operation on " + path + " has neither cid nor prev: it changes nothing");
    }
    if (cid.equals(prev)) {
      throw new IllegalArgumentException("update of " + path + " has cid equal to prev " + cid.get()
          + ": it changes nothing");
    }
  }

  /**
   * A create.
   *
   * @param path the new record's path
   * @param cid its CID
   * @return the operation
   */
  public static Operation create(RepoPath path, Cid cid) {
    return new Operation(path, Optional.of(cid), Optional.empty());
  }

  /**
   * An update.
   *
   * @param path the record's path
   * @param cid its new CID
   * @param prev its previous CID
   * @return the operation
   * @throws IllegalArgumentException if the two CIDs are equal
   */
  public static Operation update(RepoPath path, Cid cid, Cid prev) {
    return new Operation(path, Optional.of(cid), Optional.of(prev));
  }

  /**
   * A delete.
   *
   * @param path the removed record's path
   * @param prev the CID it had
   * @return the operation
   */
  public static Operation delete(RepoPath path, Cid prev) {
    return new Operation(path, Optional.empty(), Optional.of(prev));
  }

  /**
   * What this operation does, from which CIDs it has.
   *
   * @return create, update or delete
   */
  public Action action() {
    return prev.isEmpty() ? Action.CREATE : cid.isEmpty() ? Action.DELETE : Action.UPDATE;
  }

  /**
   * Sync v1.1 inversion: the tree before {@code ops}, from the tree after them. A relay compares
   * the result's root with the commit's {@code prevData}; equality proves the ops are the complete
   * change between the two trees.
   *
   * <p>Each operation is checked against the tree before it is undone: a created or updated path
   * must hold the operation's {@code cid}, a deleted path must be absent, and no path may appear
   * twice. Only the nodes on the changed paths and along their neighbours' edges are loaded, so
   * on a partial tree (a commit's proof) an absent node that the inversion needs is a
   * {@link MissingBlockException} naming it, never a root computed from guesses.
   *
   * <pre>{@code
   * Mst after = Mst.load(commit.data(), BlockSource.ofCar(CarReader.readAll(car, CarReader.Limits.DEFAULT)));
   * boolean complete = Operation.invert(after, ops).rootCid().equals(prevData);
   * }</pre>
   *
   * @param after the tree after the operations (for a commit: loaded from its blocks)
   * @param ops the operations, in any order
   * @return the tree before them
   * @throws InversionException if an operation does not match the tree or a path repeats
   * @throws MissingBlockException if a node the inversion must open is absent
   * @throws MstException if a node does not decode
   */
  public static Mst invert(Mst after, List<Operation> ops) {
    List<String> keys = new ArrayList<>(ops.size());
    List<Optional<Cid>> cids = new ArrayList<>(ops.size());
    List<Optional<Cid>> prevs = new ArrayList<>(ops.size());
    for (Operation op : ops) {
      keys.add(op.path().toString());
      cids.add(op.cid());
      prevs.add(op.prev());
    }
    return invertKeys(after, keys, cids, prevs);
  }

  /**
   * {@link #invert} on tree keys: the one inversion algorithm. Package-private so that the MST
   * interop fixtures, whose keys ({@code A0/374913}) are tree keys but not record paths, run
   * through it too.
   */
  static Mst invertKeys(Mst after, List<String> keys, List<Optional<Cid>> cids, List<Optional<Cid>> prevs) {
    Set<String> seen = new HashSet<>();
    for (String key : keys) {
      if (!seen.add(key)) {
        throw new InversionException(key, "appears in more than one op");
      }
    }
    Mst tree = after;
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      Optional<Cid> cid = cids.get(i);
      Optional<Cid> prev = prevs.get(i);
      Optional<Cid> now = tree.get(key);
      if (!now.equals(cid)) {
        throw new InversionException(key, "op says the tree holds " + cid.map(Cid::toString).orElse("nothing")
            + " but it holds " + now.map(Cid::toString).orElse("nothing"));
      }
      tree = prev.isPresent() ? tree.put(key, prev.get()) : tree.delete(key);
    }
    return tree;
  }

  /** The action, path and CIDs, as in a {@code #commit} message. */
  @Override
  public String toString() {
    return action().wire() + " " + path + cid.map(c -> " cid " + c).orElse("") + prev.map(c -> " prev " + c).orElse("");
  }
}
