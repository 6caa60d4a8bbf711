package dev.atsync.firehose;

import java.util.Arrays;
import java.util.Objects;

/**
 * A message whose type this library does not know, kept as its raw body so it can be forwarded
 * or inspected rather than dropped.
 *
 * @param type the header {@code t}
 * @param body the DAG-CBOR body bytes (copied in and out)
 */
public record UnknownEvent(String type, byte[] body) implements StreamEvent {
  /** Copies the body. */
  public UnknownEvent {
    Objects.requireNonNull(type, "type");
    body = body.clone();
  }

  /**
   * The body.
   *
   * @return a copy of the body bytes
   */
  @Override
  public byte[] body() {
    return body.clone();
  }

  @Override
  public byte[] encodeBody() {
    return body.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnknownEvent u && type.equals(u.type) && Arrays.equals(body, u.body);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + Arrays.hashCode(body);
  }

  @Override
  public String toString() {
    return "UnknownEvent[" + type + ", " + body.length + " bytes]";
  }
}
