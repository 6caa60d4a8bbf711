/**
 * A resilient {@code com.atproto.sync.subscribeRepos} WebSocket client,
 * {@link dev.atsync.firehose.subscribe.FirehoseSubscriber}: cursor resume from the last processed
 * seq (with a callback to persist it), exponential backoff with jitter, bounded in-flight frames
 * (backpressure by blocking the socket reader thread, which stops TCP reads), per-DID ordered and
 * cross-DID parallel processing, an optional collection filter, and a blocking
 * {@code run()}/{@code awaitTermination}. Verification is one possible
 * {@link dev.atsync.firehose.subscribe.FrameHandler}.
 *
 * <p><b>Exceptions.</b> Nothing is thrown from the subscriber's threads: undecodable frames,
 * handler and callback failures, transport errors, error frames and seq regressions go to the
 * {@link dev.atsync.firehose.subscribe.SubscriberListener}, whose defaults log them through SLF4J.
 * Builder arguments out of range are {@code IllegalArgumentException}.
 */
package dev.atsync.firehose.subscribe;
