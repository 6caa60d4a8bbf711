package dev.atsync.mst;

import dev.atsync.cid.Cid;
import java.util.Objects;
import java.util.Optional;

/**
 * One key's change between two trees: a create has no {@code before}, a delete no
 * {@code after}, an update both (and they differ). The MST-level form of a {@code #commit} op.
 *
 * @param key the tree key (the record path)
 * @param before the value before the change
 * @param after the value after the change
 */
public record KeyChange(String key, Optional<Cid> before, Optional<Cid> after) {
  /** Rejects Java nulls and changes that change nothing. */
  public KeyChange {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(after, "after");
    if (before.equals(after)) {
      throw new IllegalArgumentException(key + ": a change must change the value");
    }
  }
}
