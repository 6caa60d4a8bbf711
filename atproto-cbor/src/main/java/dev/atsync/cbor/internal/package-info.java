/**
 * Machinery shared by this module's packages (the SHA-256 digests of its hot paths). Not
 * exported from the module and not part of the API: it may change without notice. Nothing here
 * throws for bad input.
 */
package dev.atsync.mst.internal;
