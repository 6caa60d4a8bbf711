/**
 * XRPC client for an atproto relay, {@link dev.atsync.relay.RelayClient}:
 * {@code com.atproto.sync.requestCrawl}, {@code listHosts}, {@code getHostStatus},
 * {@code getLatestCommit}, {@code getRepoStatus} and a streaming {@code getRepo}, with typed
 * answers ({@code Did}, {@code Tid}, {@code Cid}). Transient failures (5xx, 408, 429, connection
 * errors) are retried per {@link dev.atsync.relay.RetryPolicy}, honouring {@code Retry-After}.
 *
 * <p><b>Exceptions (the rule of atproto-relay-client).</b> Every failed call is an unchecked
 * {@link dev.atsync.relay.XrpcException} with the method, the HTTP status (0 when no response
 * came) and the XRPC error name, after the retries: including an answer whose fields break the
 * lexicon (a malformed CID, DID or TID). The CAR of {@code getRepo} is read lazily: its problems
 * are {@code CarException}s and {@code IOException}s from the returned reader. Invalid arguments
 * (a hostname with a scheme) are {@code IllegalArgumentException}.
 */
package dev.atsync.relay;
