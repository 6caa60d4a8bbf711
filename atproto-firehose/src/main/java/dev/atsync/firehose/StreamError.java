package dev.atsync.firehose;

import dev.atsync.cbor.CborWriter;
import java.util.Objects;
import java.util.Optional;

/**
 * The body of an error frame ({@code op = -1}); the server closes the connection after sending it.
 *
 * @param error the error name, such as {@code FutureCursor} or {@code ConsumerTooSlow}
 * @param message human-readable detail
 */
public record StreamError(String error, Optional<String> message) {
  /** The cursor is ahead of the server's current sequence. */
  public static final String FUTURE_CURSOR = "FutureCursor";
  /** The consumer fell too far behind and is being disconnected. */
  public static final String CONSUMER_TOO_SLOW = "ConsumerTooSlow";

  /** Rejects Java nulls. */
  public StreamError {
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(message, "message");
  }

  /** An error with a message. */
  public static StreamError of(String error, String message) {
    return new StreamError(error, Optional.of(message));
  }

  byte[] encodeBody() {
    CborWriter w = new CborWriter(64);
    w.writeMapHeader(message.isPresent() ? 2 : 1);
    w.writeKey("error");
    w.writeText(error);
    if (message.isPresent()) {
      w.writeKey("message");
      w.writeText(message.get());
    }
    return w.toByteArray();
  }
}
