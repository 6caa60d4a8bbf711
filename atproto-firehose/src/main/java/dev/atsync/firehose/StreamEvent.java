package dev.atsync.firehose;

/**
 * A message of {@code com.atproto.sync.subscribeRepos}: one of the lexicon's union members, or
 * an {@link UnknownEvent} that keeps the body of a type this library does not know.
 */
public sealed interface StreamEvent
    permits CommitEvent, SyncEvent, IdentityEvent, AccountEvent, InfoEvent, UnknownEvent {

  /** The header {@code t} of this message, such as {@code #commit}. */
  String type();

  /** The canonical DAG-CBOR encoding of the body. */
  byte[] encodeBody();

  /** This event as a frame. */
  default Frame toFrame() {
    return Frame.of(this);
  }
}
