package dev.atsync.inverter.internal;

import java.time.Duration;

/**
 * How the public listener treats subscribers.
 *
 * @param maxSubscribers connections beyond this are refused with HTTP 503
 * @param futureCursorLive serve a cursor ahead of the log live instead of sending {@code FutureCursor}
 * @param maxQueuedBytes bytes queued on one socket before the server stops sending to it
 * @param maxLagEvents a subscriber further behind than this ...
 * @param maxLagTime ... for longer than this is dropped with {@code ConsumerTooSlow}
 * @param writeTimeout a socket whose queue does not drain for this long is dropped
 * @param pingInterval WebSocket pings to detect dead peers
 * @param recentFrames events kept in memory, encoded, for live subscribers
 * @param recentBytes the most bytes those events may hold
 */
public record SubscriberSettings(
    int maxSubscribers, boolean futureCursorLive, long maxQueuedBytes, long maxLagEvents, Duration maxLagTime,
    Duration writeTimeout, Duration pingInterval, int recentFrames, long recentBytes) {}
