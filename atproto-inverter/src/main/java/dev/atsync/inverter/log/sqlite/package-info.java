/**
 * The embedded durable event store: one SQLite file in WAL mode with {@code synchronous=FULL},
 * group commit by whichever appending thread holds the write lock (leader/follower), the
 * deduplication window and the newest events in memory, recovery from storage errors by
 * re-reading its state.
 * Failures are {@link dev.atsync.inverter.log.EventLogException}s.
 */
package dev.atsync.inverter.log.sqlite;
