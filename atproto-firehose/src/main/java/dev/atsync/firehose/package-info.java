/**
 * The {@code com.atproto.sync.subscribeRepos} event stream: frames and their messages.
 *
 * <p>A {@link dev.atsync.firehose.Frame} is one WebSocket binary message: a DAG-CBOR header
 * {@code {op, t}} and a DAG-CBOR body. Message frames ({@code op = 1}) carry one of the typed
 * {@link dev.atsync.firehose.StreamEvent}s ({@code #commit}, {@code #sync}, {@code #identity},
 * {@code #account}, {@code #info}); a type this library does not know is kept as an
 * {@link dev.atsync.firehose.UnknownEvent} with its raw body. Error frames ({@code op = -1})
 * carry a {@link dev.atsync.firehose.StreamError}.
 *
 * <p>Decoding is strict DAG-CBOR and checks each message's structure against the lexicon
 * (required fields, types, nullable versus absent); {@link dev.atsync.firehose.EventValidator}
 * adds syntax, op-shape and limit checks. Frames keep their bytes, so a frame can be forwarded
 * unchanged or re-sequenced without re-encoding its blocks.
 *
 * <p>Limits ({@link dev.atsync.firehose.FrameLimits}): 5,000,000 bytes per frame, 200 ops and
 * 2,000,000 bytes of blocks per {@code #commit}, 10,000 bytes of blocks per {@code #sync}, nesting
 * depth 32. Fields this library does not know are skipped, as lexicon evolution allows; the
 * deprecated {@code prev} of a {@code #commit} is accepted (null or a link) and dropped.
 */
package dev.atsync.firehose;
