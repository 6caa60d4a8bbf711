/**
 * The inverter's event log: assigns each ingested event its firehose seq, stores the frame
 * exactly as posted, enforces per-account rev order and retry deduplication atomically with
 * the append, and keeps the backfill window that {@code subscribeRepos} cursors replay from.
 *
 * <p><b>Durability.</b> {@link dev.atsync.inverter.log.EventLog#append} returns only after the
 * batch is durable as far as the implementation promises.
 * {@link dev.atsync.inverter.log.SqliteEventLog} commits in WAL mode with
 * {@code synchronous=FULL}: an acknowledged event survives a process kill (SIGKILL, tested in a
 * child JVM) and, as far as the OS and disk honour fsync, a power loss. Concurrent appends share
 * one transaction (group commit) yet each batch stays all-or-nothing.
 * {@link dev.atsync.inverter.log.InMemoryEventLog} has the same semantics without durability.
 *
 * <p><b>Seq.</b> Strictly increasing, never reused (the high-water mark is stored, so neither a
 * restart nor pruning everything rewinds it) and never below the configured floor.
 *
 * <p><b>Limits.</b> Frames are not parsed or size-checked here (ingest bounds them); an empty
 * batch is an {@link java.lang.IllegalArgumentException}. Deduplication is by SHA-256 of the
 * frame bytes within a time window bounded in count; a retry older than the window is treated
 * as a new event (and then usually refused as stale by its rev).
 */
package dev.atsync.inverter.log;
