/**
 * Client a PDS uses to POST its event-stream frames to an atsync firehose inverter
 * ({@code POST {base}/events}). Frames are opaque byte arrays here; the inverter validates them.
 * One request is in flight per client, so frames are delivered in publish order.
 *
 * <p>Exception rule: every failure of a post is the protocol's own {@link
 * dev.atsync.firehose.ingest.IngestException} (the same type the inverter throws), whose {@link
 * dev.atsync.firehose.ingest.IngestError} says what happened and whether a retry may succeed.
 */
package dev.atsync.relay.ingest;
