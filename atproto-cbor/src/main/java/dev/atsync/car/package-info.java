/**
 * CAR v1 (content-addressable archive) reading and writing, as atproto uses it for repository
 * exports and firehose commit diffs: {@link dev.atsync.car.CarReader} (streaming, verifying,
 * bounded by {@link dev.atsync.car.CarReader.Limits}), {@link dev.atsync.car.CarWriter} and
 * {@link dev.atsync.car.CarBlock}. CAR v2 and CIDs other than atproto's are rejected.
 */
package dev.atsync.car;
