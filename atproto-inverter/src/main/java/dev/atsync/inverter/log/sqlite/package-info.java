/**
 * The embedded durable event store: one SQLite file in WAL mode with {@code synchronous=FULL},
 * group commit on one writer thread, recovery from storage errors by re-reading its state.
 * Failures are {@link dev.atsync.inverter.log.EventLogException}s.
 */
package dev.atsync.inverter.log.sqlite;
