/**
 * The push-ingest protocol between PDS instances and the inverter ({@code POST /events}): its
 * content type, answers and errors, shared by the inverter's server and the PDS-side client
 * ({@code atproto-relay-client}'s {@code InverterClient}).
 *
 * <p>Exception rule: every refusal or failure of a post is one {@link
 * dev.atsync.firehose.ingest.IngestException}, whose {@link dev.atsync.firehose.ingest.IngestError}
 * says what happened and whether to retry.
 */
package dev.atsync.firehose.ingest;
