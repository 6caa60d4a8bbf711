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
 * <p>Decoding is strict DAG-CBOR, checks each message's structure against the lexicon (required
 * fields, types, nullable versus absent) and parses the syntax types: the events hold
 * {@code Did}, {@code Tid}, {@code Datetime} and {@code Handle} values, never unchecked strings.
 * {@link dev.atsync.firehose.EventValidator} adds record-path, op-shape, repeated-path and limit
 * checks. A {@code #commit}'s ops keep their wire shape ({@link dev.atsync.firehose.CommitOp}) so
 * that a malformed op can be reported rather than fail the message;
 * {@link dev.atsync.firehose.CommitEvent#operations()} converts them to repository
 * {@code Operation}s and {@link dev.atsync.firehose.CommitEvent#records()} reads their records.
 * Frames keep their bytes, so a frame can be forwarded unchanged or re-sequenced without
 * re-encoding its blocks. {@link dev.atsync.firehose.CollectionFilter} selects commits by record
 * collection.
 *
 * <p>Limits ({@link dev.atsync.firehose.FrameLimits}): 5,000,000 bytes per frame, 200 ops and
 * 2,000,000 bytes of blocks per {@code #commit}, 10,000 bytes of blocks per {@code #sync}, nesting
 * depth 32. Fields this library does not know are skipped, as lexicon evolution allows; the
 * deprecated {@code prev} of a {@code #commit} is accepted (null or a link) and dropped.
 *
 * <p><b>Exceptions (the rule of the atproto-firehose module).</b> Bad stream input is an
 * {@link dev.atsync.firehose.InvalidFrameException} (a {@code DataModelException}): the reason,
 * the field ({@code ops[3].prev}), the byte offset into the frame, the class of rule broken
 * ({@link dev.atsync.firehose.Violation.Kind}, empty for a frame of the wrong structure) and, for
 * concatenated frames, the frame's index. Verification never throws for bad input: the verifier
 * returns a {@code Verdict} of findings. Identity and key lookups fail with the unchecked
 * {@code IdentityException}. The subscriber never throws from its threads: problems go to its
 * {@code SubscriberListener}. Java nulls and out-of-range arguments are
 * {@code NullPointerException} and {@code IllegalArgumentException}.
 */
package dev.atsync.firehose;
