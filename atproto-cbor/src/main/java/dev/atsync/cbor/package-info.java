/**
 * The atproto data model and its strict DAG-CBOR codec: {@link dev.atsync.cbor.Value} (the
 * generic, immutable value tree), {@link dev.atsync.cbor.CborReader} (strict pull reader, the fast
 * typed path), {@link dev.atsync.cbor.CborWriter} (canonical writer) and
 * {@link dev.atsync.cbor.DagCbor} (whole-value encode/decode and CIDs).
 *
 * <p>Scope: exactly the DAG-CBOR subset atproto allows (no floats, no tags but 42, definite
 * lengths, shortest heads, canonical map key order, text keys only, 64-bit integers). Decoding
 * rejects everything else; it never accepts a non-canonical encoding, so {@code encode(decode(b))}
 * equals {@code b} for every accepted {@code b}. Limits: input is a {@code byte[]} (up to 2 GiB);
 * nesting depth is bounded (default {@value dev.atsync.cbor.CborReader#DEFAULT_MAX_DEPTH}).
 *
 * <p><b>Exceptions (the rule of the whole atproto-cbor module).</b> Bad input is always an
 * unchecked {@link dev.atsync.cbor.DataModelException}, one subclass per kind of input, each naming
 * what is wrong and where: {@link dev.atsync.cbor.CborException} (the DAG-CBOR rule broken and the
 * byte offset), {@code InvalidCidException} (byte or character offset), {@code CarException}
 * (byte offset into the CAR and the block's CID), {@code InvalidJsonException} (JSON path and
 * character offset) and {@code InvalidSyntaxException} (identifier kind and character offset).
 * {@link dev.atsync.cbor.DataModelException#offset()} is -1 only when no position applies. Caller
 * mistakes (Java nulls, arguments out of range) are {@code NullPointerException} and
 * {@code IllegalArgumentException}; only stream I/O ({@code CarReader}, {@code CarWriter}) throws
 * {@code IOException}.
 */
package dev.atsync.cbor;
