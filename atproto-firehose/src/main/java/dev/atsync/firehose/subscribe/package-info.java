/**
 * A resilient {@code com.atproto.sync.subscribeRepos} WebSocket client: cursor resume from the
 * last processed seq, exponential backoff with jitter, bounded in-flight frames (backpressure
 * by blocking the socket reader thread, which stops TCP reads), per-DID ordered and
 * cross-DID parallel processing, and a completion watermark cursor. Verification is one
 * possible {@link dev.atsync.firehose.subscribe.FrameHandler}.
 */
package dev.atsync.firehose.subscribe;
