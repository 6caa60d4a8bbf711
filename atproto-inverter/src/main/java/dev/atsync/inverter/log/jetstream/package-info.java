/**
 * The event store on one NATS JetStream stream, shared by several inverter nodes: the stream
 * sequence is the firehose seq, per-account order is kept with the server's expected last subject
 * sequence, and each node tails the stream for reads and notifications. Needs {@code io.nats:jnats}
 * (an optional dependency of this library). Failures are
 * {@link dev.atsync.inverter.log.EventLogException}s.
 */
package dev.atsync.inverter.log.jetstream;
