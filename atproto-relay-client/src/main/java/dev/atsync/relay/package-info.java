/**
 * XRPC client for an atproto relay: {@code com.atproto.sync.requestCrawl}, {@code listHosts},
 * {@code getHostStatus}, {@code getLatestCommit}, {@code getRepoStatus} and a streaming
 * {@code getRepo}. Errors become {@link dev.atsync.relay.XrpcException}; transient failures (5xx,
 * 408, 429, connection errors) are retried per {@link dev.atsync.relay.RetryPolicy}.
 */
package dev.atsync.relay;
