package dev.atsync.inverter.internal;

import java.time.Instant;

/**
 * One connected subscriber as the admin routes show it.
 *
 * @param id the number naming it (for disconnecting it)
 * @param remote the peer's address
 * @param position the seq of the last event sent to it (its cursor)
 * @param lag how many events it is behind the log's newest
 * @param queuedBytes bytes written to its socket and not yet taken by the kernel
 * @param connectedSince when its upgrade completed
 * @param backfilling whether it is behind the in-memory window, served from the log
 */
public record SubscriberInfo(long id, String remote, long position, long lag, long queuedBytes,
    Instant connectedSince, boolean backfilling) {}
