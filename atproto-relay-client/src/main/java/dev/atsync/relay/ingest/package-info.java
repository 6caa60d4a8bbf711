/**
 * Client a PDS uses to POST its event-stream frames to an atsync firehose inverter
 * ({@code POST {base}/events}). Frames are opaque byte arrays here; the inverter validates them.
 * One request is in flight per client, so frames are delivered in publish order.
 */
package dev.atsync.relay.ingest;
