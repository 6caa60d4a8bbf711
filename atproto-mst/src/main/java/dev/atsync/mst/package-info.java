/**
 * The atproto Merkle Search Tree: an immutable, persistent, content-addressed sorted map of
 * repository paths to record CIDs ({@link dev.atsync.mst.Mst}), its key arithmetic
 * ({@link dev.atsync.mst.MstKeys}), where its nodes come from ({@link dev.atsync.mst.BlockSource}),
 * tree diffs ({@link dev.atsync.mst.MstDiff}) and commit proofs ({@link dev.atsync.mst.Mst#proofNodes}).
 * Record operations and their Sync v1.1 inversion are one level up, in {@code dev.atsync.repo},
 * which builds on this package (never the other way round).
 *
 * <p>Scope: fanout 4 (two leading zero bits of SHA-256 per layer), the node encoding of
 * atproto.com/specs/repository with prefix-compressed keys, canonical shape whatever the order
 * of updates. Trees may be partial: a subtree whose block is absent is known by CID only, and an
 * operation that must open it fails naming it.
 *
 * <p>Limits: nodes are decoded strictly (canonical DAG-CBOR, keys ascending, prefix lengths in
 * range) but key heights inside loaded nodes are not re-checked against their layer (hashing every
 * key of every opened node would cost more than the rest of an inversion); a malformed tree can
 * therefore only invert to a root that does not match the commit's {@code prevData}. Keys are
 * printable ASCII; values are CIDs.
 *
 * <p><b>Exceptions (shared with {@code dev.atsync.repo}).</b> Every tree or repository problem is
 * an unchecked {@link dev.atsync.mst.MstException} carrying the CID of the block concerned, as
 * {@code @atproto/repo}'s errors do: a node that does not decode or breaks the MST rules (the
 * decoding error as its cause), and {@link dev.atsync.mst.MissingBlockException} for a block an
 * operation needed and the {@link dev.atsync.mst.BlockSource} lacks. Keys that are not MST keys
 * are the caller's mistake: {@code IllegalArgumentException}.
 */
package dev.atsync.mst;
