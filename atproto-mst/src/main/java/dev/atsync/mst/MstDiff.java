package dev.atsync.mst;

import dev.atsync.cid.Cid;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What differs between two trees, as entries: those only the older tree has, those only the newer
 * one has (a key whose value changed is in both lists, with its old and its new value), and the
 * nodes of the newer tree that the older one does not share. To turn a diff into record
 * operations, pair the entries by key: a key only in {@code added} is a create, only in
 * {@code removed} a delete, in both an update.
 *
 * @param removed the entries of the older tree that the newer one does not have, in key order
 * @param added the entries of the newer tree that the older one does not have, in key order
 * @param newBlocks the nodes of the newer tree that had to be opened to find the changes and are
 *     not among the older tree's opened nodes, by CID (encoded bytes, copies owned by the caller)
 */
public record MstDiff(List<Mst.Entry> removed, List<Mst.Entry> added, Map<Cid, byte[]> newBlocks) {
  /** Copies the collections (the block map keeps its order; its arrays are the caller's). */
  public MstDiff {
    removed = List.copyOf(removed);
    added = List.copyOf(added);
    newBlocks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(newBlocks));
  }

  /**
   * Whether the two trees hold the same entries.
   *
   * @return true when nothing was removed or added
   */
  public boolean isEmpty() {
    return removed.isEmpty() && added.isEmpty();
  }
}
