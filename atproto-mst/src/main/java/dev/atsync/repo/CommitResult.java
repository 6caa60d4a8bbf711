package dev.atsync.repo;

import dev.atsync.cid.Cid;
import dev.atsync.syntax.Tid;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a {@code #commit} message needs about one commit: the signed commit and its CID, the
 * rev and {@code since}, the MST root before ({@code prevData}), the ops with their {@code prev},
 * and the proof: the exact blocks a verifier needs, also as CAR bytes rooted at the commit.
 *
 * @param commit the signed commit
 * @param commitCid its CID
 * @param since the previous commit's rev, empty for the first commit
 * @param prevData the MST root before this commit (the empty tree's root for the first)
 * @param ops the record operations
 * @param proofBlocks commit block, new MST nodes, the nodes on the paths to each changed key and
 *     its neighbours, and the new record blocks
 * @param proofCar {@code proofBlocks} as a CAR v1 rooted at {@code commitCid}
 */
public record CommitResult(Commit commit, Cid commitCid, Optional<Tid> since, Cid prevData, List<Operation> ops,
    Map<Cid, byte[]> proofBlocks, byte[] proofCar) {
  /** Copies the collections and the CAR bytes. */
  public CommitResult {
    ops = List.copyOf(ops);
    proofBlocks = Map.copyOf(proofBlocks);
    proofCar = proofCar.clone();
  }

  @Override
  public byte[] proofCar() {
    return proofCar.clone();
  }

  /** The commit's rev. */
  public Tid rev() {
    return commit.rev();
  }
}
