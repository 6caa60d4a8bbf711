/**
 * Content identifiers as atproto uses them: {@link dev.atsync.cid.Cid} (CIDv1, dag-cbor or raw,
 * sha2-256 only), the two multibase encodings atproto needs ({@link dev.atsync.cid.Multibase}) and
 * unsigned varints ({@link dev.atsync.cid.Varint}). Anything else (CIDv0, other codecs or hashes)
 * is rejected; this is stricter than the generic CID syntax check of the atproto syntax spec, by
 * design ({@link dev.atsync.cid.Cid#isValidSyntax} is that looser check).
 *
 * <p>Exceptions: a malformed or disallowed CID, multibase string or varint is an
 * {@link dev.atsync.cid.InvalidCidException} (a {@code DataModelException}) with the byte or
 * character offset of the problem.
 */
package dev.atsync.cid;
