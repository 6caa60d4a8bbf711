package dev.atsync.repo;

import dev.atsync.cid.Cid;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.Inversion;
import dev.atsync.mst.InversionException;
import dev.atsync.mst.KeyChange;
import dev.atsync.mst.MissingBlockException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sync v1.1 inversion of a {@code #commit}'s ops: from the commit's new MST root and the blocks it
 * carries, compute the MST root before the commit. A relay compares the result with the message's
 * {@code prevData}; equality proves the ops are the complete change.
 *
 * <pre>{@code
 * Cid before = CommitInversion.invert(commit.data(), BlockSource.ofCar(car), ops);
 * boolean complete = before.equals(prevData);
 * }</pre>
 */
public final class CommitInversion {
  private CommitInversion() {}

  /**
   * The MST root before {@code ops}, from the tree rooted at {@code newRoot}.
   *
   * @param newRoot the commit's {@code data}
   * @param blocks the commit's blocks (the proof); only the nodes the ops touch are decoded
   * @param ops the commit's ops, in any order
   * @throws MissingBlockException if a node the inversion must open is absent
   * @throws InversionException if an op does not match the tree (a created or updated path does
   *     not hold the op's CID, a deleted path is still present) or a path repeats
   * @throws dev.atsync.mst.MstException if a node does not decode
   */
  public static Cid invert(Cid newRoot, BlockSource blocks, List<RepoOp> ops) {
    List<KeyChange> changes = new ArrayList<>(ops.size());
    for (RepoOp op : ops) {
      changes.add(op.toKeyChange());
    }
    return Inversion.previousRoot(newRoot, blocks, changes);
  }
}
