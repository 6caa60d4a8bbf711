/**
 * Resolving an account DID to its atproto identity (current signing key, PDS endpoint, claimed
 * handle) and serving signing keys to the commit verifier: {@link
 * dev.atsync.firehose.identity.IdentityResolver}, {@link
 * dev.atsync.firehose.identity.HttpIdentityResolver} ({@code did:plc} through a PLC directory,
 * {@code did:web} at hostname level only, per the atproto DID spec), {@link
 * dev.atsync.firehose.identity.CachingIdentityResolver} (bounded, expiring, refreshed once when a
 * signature fails) and {@link dev.atsync.firehose.identity.KeySource}. Handles are reported as
 * claimed by the DID document; bidirectional handle verification is out of scope.
 *
 * <p><b>Exceptions.</b> Every resolver and key source fails the same way: an unchecked
 * {@link dev.atsync.firehose.identity.IdentityException} naming the DID and its
 * {@link dev.atsync.firehose.identity.IdentityException.Kind} (unsupported DID, not found,
 * malformed document, HTTP or transport failure). Nothing else is thrown for a DID that cannot
 * be resolved.
 */
package dev.atsync.firehose.identity;
