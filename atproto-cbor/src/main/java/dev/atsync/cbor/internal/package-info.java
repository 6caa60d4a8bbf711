/**
 * Machinery the atsync modules share but do not offer: the SHA-256 digests of their hashing hot
 * paths. Exported only to {@code dev.atsync.mst} (a qualified export) and not part of the API: it
 * may change without notice. Nothing here throws for bad input.
 */
package dev.atsync.cbor.internal;
