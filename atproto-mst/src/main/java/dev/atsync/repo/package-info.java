/**
 * atproto repositories: record paths ({@link dev.atsync.repo.RepoPath}), signed version 3 commits
 * ({@link dev.atsync.repo.Commit}), record operations ({@link dev.atsync.repo.Operation}), block
 * storage ({@link dev.atsync.repo.BlockStore}), an in-memory producer repository that turns write
 * batches into everything a {@code #commit} message needs ({@link dev.atsync.repo.Repository},
 * {@link dev.atsync.repo.CommitResult}), and Sync v1.1 inversion of a commit's operations
 * ({@link dev.atsync.repo.Operation#invert}).
 *
 * <p>Limits: only version 3 commits are read or written (the repository spec's current version;
 * v2 predates Sync v1.1 and carries no proof semantics); {@code prev} is written as null. The
 * repository keeps its tree in memory and is not thread-safe; the block store may be shared.
 */
package dev.atsync.repo;
