package dev.atsync.mst;

import dev.atsync.cid.Cid;
import java.util.List;
import java.util.Map;

/**
 * What changed from one tree to another: every key whose value differs, in key order, and the
 * nodes of the newer tree that the older one does not share.
 *
 * @param changes the changed keys in key order: creates ({@code before} empty), updates (both
 *     present) and deletes ({@code after} empty)
 * @param newBlocks the nodes of the newer tree that had to be opened to find the changes and are
 *     not among the older tree's opened nodes, by CID (encoded bytes, owned by the caller)
 */
public record MstDiff(List<KeyChange> changes, Map<Cid, byte[]> newBlocks) {
  /** Copies both collections. */
  public MstDiff {
    changes = List.copyOf(changes);
    newBlocks = Map.copyOf(newBlocks);
  }

  /** Whether the two trees hold the same entries. */
  public boolean isEmpty() {
    return changes.isEmpty();
  }
}
