package dev.atsync.firehose;

import dev.atsync.cbor.CborWriter;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@code #identity} message: the account's DID document or handle may have changed; consumers
 * refresh their identity cache.
 *
 * @param seq stream sequence number
 * @param did the account
 * @param time when the event was first emitted
 * @param handle the current handle, when sent
 */
public record IdentityEvent(long seq, Did did, Datetime time, Optional<Handle> handle) implements StreamEvent {
  /** Rejects Java nulls. */
  public IdentityEvent {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(handle, "handle");
  }

  @Override
  public String type() {
    return "#identity";
  }

  @Override
  public byte[] encodeBody() {
    CborWriter w = new CborWriter(128);
    w.writeMapHeader(handle.isPresent() ? 4 : 3);
    w.writeKey("did");
    w.writeText(did.value());
    w.writeKey("seq");
    w.writeLong(seq);
    w.writeKey("time");
    w.writeText(time.value());
    if (handle.isPresent()) {
      w.writeKey("handle");
      w.writeText(handle.get().value());
    }
    return w.toByteArray();
  }
}
