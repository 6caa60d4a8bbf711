package dev.atsync.firehose;

import dev.atsync.cbor.CborWriter;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@code #info} message from the server about the stream itself, such as
 * {@code OutdatedCursor} (the requested cursor is older than the backfill window).
 *
 * @param name the info name
 * @param message human-readable detail
 */
public record InfoEvent(String name, Optional<String> message) implements StreamEvent {
  /** The name sent when a cursor is older than the backfill window. */
  public static final String OUTDATED_CURSOR = "OutdatedCursor";

  /** Rejects Java nulls. */
  public InfoEvent {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String type() {
    return "#info";
  }

  @Override
  public byte[] encodeBody() {
    CborWriter w = new CborWriter(64);
    w.writeMapHeader(message.isPresent() ? 2 : 1);
    w.writeKey("name");
    w.writeText(name);
    if (message.isPresent()) {
      w.writeKey("message");
      w.writeText(message.get());
    }
    return w.toByteArray();
  }
}
