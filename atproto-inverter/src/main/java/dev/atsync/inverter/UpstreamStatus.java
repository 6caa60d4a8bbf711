package dev.atsync.inverter;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How the inverter follows one upstream (a PDS instance's own firehose, in pull mode), as
 * {@link Inverter#upstreams()} and the health and metrics endpoints report it.
 *
 * @param endpoint the upstream's subscribeRepos URL (also its name in the log's cursors)
 * @param connected whether the WebSocket is open now
 * @param cursor the upstream seq the log has taken everything up to, if any
 * @param events events taken from it and stored (retries of stored events not counted)
 * @param duplicates events it sent that were already stored (from another upstream or a post)
 * @param refused events refused (invalid, or stale: older than what was already stored)
 * @param reconnects connections lost and retried
 * @param cursorResets times its cursor was given up on: {@code FutureCursor} (the upstream restarted
 *     with a lower counter) or its seq going backwards; it was then followed from the start of its
 *     new sequence
 * @param queued frames received but not yet stored
 * @param lastEventAgeMillis how long ago the last event was taken, if any
 */
public record UpstreamStatus(URI endpoint, boolean connected, OptionalLong cursor, long events, long duplicates,
    long refused, long reconnects, long cursorResets, int queued, Optional<Long> lastEventAgeMillis) {
  /** Rejects Java nulls. */
  public UpstreamStatus {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(cursor, "cursor");
    Objects.requireNonNull(lastEventAgeMillis, "lastEventAgeMillis");
  }
}
