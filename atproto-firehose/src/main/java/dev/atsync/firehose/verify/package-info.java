/**
 * Verification of {@code subscribeRepos} messages as a strict Sync v1.1 relay does it:
 * {@link dev.atsync.firehose.verify.CommitVerifier} checks each {@code #commit} and {@code #sync}
 * (CAR, commit block, signature, ops in the tree, records canonical, inversion to
 * {@code prevData}) and each account's chain ({@link dev.atsync.firehose.verify.ChainState}),
 * and answers with a {@link dev.atsync.firehose.verify.Verdict}: every failed check as a
 * {@link dev.atsync.firehose.verify.Finding} with a {@link dev.atsync.firehose.verify.Reason} a
 * PDS developer can act on, and what to do about it under the
 * {@link dev.atsync.firehose.verify.Policy} ({@code STRICT}, {@code INDIGO_COMPAT},
 * {@code LENIENT}).
 *
 * <p>Safe by default, as {@code @atproto/sync} is: a verifier must be told where signing keys
 * come from ({@code keys(KeySource)}) or that signatures are not checked
 * ({@code unauthenticated()}), and every verdict says whether the signature was checked.
 *
 * <p><b>Exceptions.</b> None for bad input: a malformed frame, a bad signature or an unresolvable
 * key is a finding, never an exception. A {@link dev.atsync.firehose.verify.ChainState} whose
 * storage fails throws its own unchecked exception, which propagates; building a verifier without
 * choosing how signatures are checked is an {@code IllegalStateException}.
 */
package dev.atsync.firehose.verify;
