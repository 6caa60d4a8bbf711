/**
 * Content identifiers as atproto uses them: {@link dev.atsync.cid.Cid} (CIDv1, dag-cbor or raw,
 * sha2-256 only), the two multibase encodings atproto needs ({@link dev.atsync.cid.Multibase}) and
 * unsigned varints ({@link dev.atsync.cid.Varint}). Anything else (CIDv0, other codecs or hashes)
 * is rejected with {@link dev.atsync.cid.InvalidCidException}; this is stricter than the generic
 * CID syntax check of the atproto syntax spec, by design.
 */
package dev.atsync.cid;
