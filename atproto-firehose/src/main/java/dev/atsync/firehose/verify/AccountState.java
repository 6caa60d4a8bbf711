package dev.atsync.firehose.verify;

import dev.atsync.cid.Cid;
import dev.atsync.syntax.Tid;
import java.util.Objects;

/**
 * What a verifier remembers of an account's chain: its last accepted commit.
 *
 * @param rev the commit's rev
 * @param commit the commit's CID
 * @param data the commit's MST root
 */
public record AccountState(Tid rev, Cid commit, Cid data) {
  /** Rejects Java nulls. */
  public AccountState {
    Objects.requireNonNull(rev, "rev");
    Objects.requireNonNull(commit, "commit");
    Objects.requireNonNull(data, "data");
  }
}
