/**
 * Resolving an account DID to its atproto identity: current signing key, PDS endpoint and
 * claimed handle. Supports {@code did:plc} (through a PLC directory) and {@code did:web}
 * (hostname-level only, per the atproto DID spec), with a bounded, expiring cache that also
 * serves as the commit verifier's {@link dev.atsync.firehose.identity.KeySource}. Handles are
 * reported as claimed by the DID document; bidirectional handle verification is out of scope.
 */
package dev.atsync.firehose.identity;
