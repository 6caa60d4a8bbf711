/**
 * The atproto data model and its strict DAG-CBOR codec: {@link dev.atsync.cbor.Value} (the
 * generic value tree), {@link dev.atsync.cbor.CborReader} (strict pull reader, the fast typed
 * path), {@link dev.atsync.cbor.CborWriter} (canonical writer) and {@link
 * dev.atsync.cbor.DagCbor} (whole-value encode/decode and CIDs).
 *
 * <p>Scope: exactly the DAG-CBOR subset atproto allows (no floats, no tags but 42, definite
 * lengths, shortest heads, canonical map key order, text keys only, 64-bit integers). Decoding
 * rejects everything else with {@link dev.atsync.cbor.CborException}; it never accepts a
 * non-canonical encoding, so {@code encode(decode(b))} equals {@code b} for every accepted
 * {@code b}. Limits: input is a {@code byte[]} (up to 2 GiB); nesting depth is bounded (default
 * {@value dev.atsync.cbor.CborReader#DEFAULT_MAX_DEPTH}).
 */
package dev.atsync.cbor;
