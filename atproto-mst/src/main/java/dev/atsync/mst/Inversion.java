package dev.atsync.mst;

import dev.atsync.cid.Cid;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Sync v1.1 inversion: undo a commit's changes on the partial tree carried by the commit, and
 * return the root the tree had before. If the result equals the commit's {@code prevData}, the
 * ops are exactly what changed between the two trees.
 *
 * <p>Each change is checked against the tree first: a created or updated key must hold the new
 * value, a deleted key must be absent. Only the nodes on the changed keys' paths and along their
 * neighbours' edges are loaded, so a proof that lacks one fails with
 * {@link MissingBlockException} naming it; it never yields a root computed from guesses.
 */
public final class Inversion {
  private Inversion() {}

  /**
   * The root before {@code changes}, from the tree after them.
   *
   * @throws MissingBlockException if a node the inversion needs is absent
   * @throws InversionException if a change does not match the tree or a key repeats
   */
  public static Cid previousRoot(Cid root, BlockSource blocks, List<KeyChange> changes) {
    return undo(Mst.load(root, blocks), changes).rootCid();
  }

  /** The tree before {@code changes}, from the tree after them. */
  public static Mst undo(Mst after, List<KeyChange> changes) {
    Set<String> seen = new HashSet<>();
    for (KeyChange c : changes) {
      if (!seen.add(c.key())) {
        throw new InversionException(c.key(), "appears in more than one op");
      }
    }
    Mst tree = after;
    for (KeyChange c : changes) {
      Optional<Cid> now = tree.get(c.key());
      if (!now.equals(c.after())) {
        throw new InversionException(c.key(), "op says the tree holds " + c.after().map(Cid::toString).orElse("nothing")
            + " but it holds " + now.map(Cid::toString).orElse("nothing"));
      }
      tree = c.before().isPresent() ? tree.put(c.key(), c.before().get()) : tree.delete(c.key());
    }
    return tree;
  }
}
