package dev.atsync.repo;

import dev.atsync.cid.Cid;
import dev.atsync.syntax.Tid;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a {@code #commit} message needs about one commit: the signed commit and its CID, the
 * rev and {@code since}, the MST root before ({@code prevData}), the operations with their
 * {@code prev}, and the proof: the exact blocks a verifier needs (commit block, new MST nodes,
 * the nodes on the paths to each changed key and its neighbours, the new record blocks) as a CAR
 * rooted at the commit. Immutable: the CAR is copied in and out.
 *
 * @param commit the signed commit
 * @param commitCid its CID
 * @param since the previous commit's rev, empty for the first commit
 * @param prevData the MST root before this commit (the empty tree's root for the first)
 * @param ops the record operations
 * @param proofCar the proof blocks as a CAR v1 rooted at {@code commitCid}
 */
public record CommitResult(Commit commit, Cid commitCid, Optional<Tid> since, Cid prevData, List<Operation> ops,
    byte[] proofCar) {
  /** Rejects Java nulls; copies the operations and the CAR bytes. */
  public CommitResult {
    Objects.requireNonNull(commit, "commit");
    Objects.requireNonNull(commitCid, "commitCid");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(prevData, "prevData");
    ops = List.copyOf(ops);
    proofCar = proofCar.clone();
  }

  /**
   * The proof CAR.
   *
   * @return a copy of the CAR bytes
   */
  @Override
  public byte[] proofCar() {
    return proofCar.clone();
  }

  /**
   * The commit's rev.
   *
   * @return {@code commit().rev()}
   */
  public Tid rev() {
    return commit.rev();
  }

  /** Equal when every component is, the CAR by content. */
  @Override
  public boolean equals(Object o) {
    return o instanceof CommitResult r && commit.equals(r.commit) && commitCid.equals(r.commitCid)
        && since.equals(r.since) && prevData.equals(r.prevData) && ops.equals(r.ops)
        && Arrays.equals(proofCar, r.proofCar);
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return commitCid.hashCode();
  }

  /** The commit, its rev and the number of operations. */
  @Override
  public String toString() {
    return "CommitResult[" + commitCid + " rev " + rev() + ", " + ops.size() + " ops, proof " + proofCar.length
        + " bytes]";
  }
}
