/**
 * atproto repositories: record paths ({@link dev.atsync.repo.RepoPath}), signed version 3 commits
 * ({@link dev.atsync.repo.Commit}), record operations ({@link dev.atsync.repo.Operation}, the one
 * type for a created, updated or deleted record) and their Sync v1.1 inversion
 * ({@link dev.atsync.repo.Operation#invert}), block storage ({@link dev.atsync.repo.BlockStore}),
 * and an in-memory producer repository that turns write batches into everything a
 * {@code #commit} message needs ({@link dev.atsync.repo.Repository},
 * {@link dev.atsync.repo.CommitResult}).
 *
 * <p>Limits: only version 3 commits are read or written (the repository spec's current version;
 * v2 predates Sync v1.1 and carries no proof semantics); {@code prev} is written as null. The
 * repository keeps its tree in memory and is not thread-safe; the block store may be shared.
 *
 * <p><b>Exceptions.</b> The tree family of {@code dev.atsync.mst}: a commit block that does not
 * decode is an {@code MstException}; operations that do not fit a tree are an
 * {@link dev.atsync.repo.InversionException} (an {@code MstException}) naming the path; an absent
 * block is a {@code MissingBlockException} naming its CID. A text that is not a record path is an
 * {@code InvalidSyntaxException} from {@code dev.atsync.syntax}. Writes that do not fit the
 * repository (a create over an existing record, a repeated path) and operations that change
 * nothing are the caller's mistake: {@code IllegalArgumentException}.
 */
package dev.atsync.repo;
