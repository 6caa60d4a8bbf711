/**
 * The atproto Merkle Search Tree: an immutable, persistent, content-addressed sorted map of
 * repository paths to record CIDs ({@link dev.atsync.mst.Mst}), its key arithmetic
 * ({@link dev.atsync.mst.MstKeys}), where its nodes come from ({@link dev.atsync.mst.BlockSource}),
 * tree diffs ({@link dev.atsync.mst.MstDiff}) and commit proofs. Record operations and their
 * Sync v1.1 inversion are one level up, in {@code dev.atsync.repo}, which uses this package.
 *
 * <p>Scope: fanout 4 (two leading zero bits of SHA-256 per layer), the node encoding of
 * atproto.com/specs/repository with prefix-compressed keys, canonical shape whatever the order
 * of updates. Trees may be partial: a subtree whose block is absent is known by CID only and an
 * operation that must open it fails with {@link dev.atsync.mst.MissingBlockException}.
 *
 * <p>Limits: nodes are decoded strictly (canonical DAG-CBOR, keys ascending, prefix lengths in
 * range) but key heights inside loaded nodes are not re-checked against their layer (hashing every
 * key of every opened node would cost more than the rest of an inversion); a malformed tree can
 * therefore only invert to a root that does not match the commit's {@code prevData}. Keys are
 * printable ASCII; values are CIDs. Every error is an {@link dev.atsync.mst.MstException}.
 */
package dev.atsync.mst;
