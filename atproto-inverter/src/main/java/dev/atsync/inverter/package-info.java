/**
 * The firehose inverter: several instances of one PDS publish their event-stream frames to it,
 * over {@code POST /events} or in-process; it assigns one sequence, stores the events durably in
 * its {@link dev.atsync.inverter.log.EventLog}, and serves one ordered
 * {@code com.atproto.sync.subscribeRepos} stream with cursor backfill to every relay.
 * {@link dev.atsync.inverter.Inverter} is the one entry point (built by its builder);
 * {@link dev.atsync.inverter.EventCheck} and {@link dev.atsync.inverter.VerifyingCheck} decide what
 * may be stored.
 *
 * <p><b>Exceptions.</b> Refused or failed publishes are the ingest protocol's
 * {@link dev.atsync.firehose.ingest.IngestException} (the same type the HTTP client sees, with the
 * same status and error name); the log's own failures
 * ({@link dev.atsync.inverter.log.StaleRevException},
 * {@link dev.atsync.inverter.log.EventLogException}) are {@link dev.atsync.inverter.InverterException}s.
 * A listener that cannot bind is an {@link java.io.UncheckedIOException} from
 * {@link dev.atsync.inverter.Inverter#start()}.
 */
package dev.atsync.inverter;
