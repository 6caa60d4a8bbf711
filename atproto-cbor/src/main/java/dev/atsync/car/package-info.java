/**
 * CAR v1 (content-addressable archive) reading and writing, as atproto uses it for repository
 * exports and firehose commit diffs: {@link dev.atsync.car.CarReader} (streaming, verifying every
 * block against its CID, bounded by {@link dev.atsync.car.CarReader.Limits}),
 * {@link dev.atsync.car.CarWriter} and {@link dev.atsync.car.CarBlock}. CAR v2 and CIDs other than
 * atproto's are rejected.
 *
 * <p>Exceptions: a malformed CAR, one over a limit, or a block whose bytes do not hash to its CID
 * is a {@link dev.atsync.car.CarException} (a {@code DataModelException}) with the byte offset
 * into the CAR and, when one block is at fault, its CID; reading from a stream may also throw
 * {@code IOException}.
 */
package dev.atsync.car;
