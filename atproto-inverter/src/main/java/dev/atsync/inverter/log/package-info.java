/**
 * The inverter's event log: {@link dev.atsync.inverter.log.EventLog}, the ingest policy (retries
 * recognised by content before the rev rule, whole-batch refusal, per-account rev order), over an
 * {@link dev.atsync.inverter.log.EventStore} that keeps the events and assigns their seqs.
 *
 * <p><b>Stores.</b> {@link dev.atsync.inverter.log.InMemoryEventStore} (no durability, for tests
 * and embedders), {@code sqlite.SqliteEventStore} (the embedded durable default: WAL,
 * {@code synchronous=FULL}, group commit; an acknowledged event survives a SIGKILL, tested in a
 * child JVM) and {@code jetstream.JetStreamEventStore} (one NATS JetStream stream shared by several
 * inverter nodes). An embedder can bring its own store by implementing the interface.
 *
 * <p><b>Seq.</b> Strictly increasing, never reused (the high-water mark is stored, so neither a
 * restart nor pruning everything rewinds it) and never below the configured floor.
 *
 * <p><b>Exceptions.</b> {@link dev.atsync.inverter.log.StaleRevException} when an event breaks the
 * rev rule; {@link dev.atsync.inverter.log.EventLogException} when the store cannot do its work
 * (storage errors, an unreachable NATS cluster, a closed store); both are
 * {@link dev.atsync.inverter.InverterException}s. {@link java.lang.IllegalArgumentException} for an
 * empty batch. Nothing of a refused or failed append is stored (JetStream's weaker atomicity is
 * described on its store).
 *
 * <p><b>Limits.</b> Frames are not parsed or size-checked here (ingest bounds them). Deduplication
 * is by SHA-256 of the frame bytes within a time window; a retry older than the window is treated
 * as a new event (and then usually refused as stale by its rev).
 */
package dev.atsync.inverter.log;
