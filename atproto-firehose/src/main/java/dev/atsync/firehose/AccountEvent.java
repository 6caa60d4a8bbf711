package dev.atsync.firehose;

import dev.atsync.cbor.CborWriter;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@code #account} message: the account's hosting status changed at the emitting host.
 *
 * @param seq stream sequence number
 * @param did the account
 * @param time when the event was first emitted
 * @param active whether the host serves the account's repository
 * @param status why the account is inactive, as sent (see {@link AccountStatus} for the known values)
 */
public record AccountEvent(long seq, Did did, Datetime time, boolean active, Optional<String> status)
    implements StreamEvent {
  /** Rejects Java nulls. */
  public AccountEvent {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(status, "status");
  }

  @Override
  public String type() {
    return "#account";
  }

  /** The status as a known value, if it is one. */
  public Optional<AccountStatus> knownStatus() {
    return status.flatMap(AccountStatus::of);
  }

  @Override
  public byte[] encodeBody() {
    CborWriter w = new CborWriter(128);
    w.writeMapHeader(status.isPresent() ? 5 : 4);
    w.writeKey("did");
    w.writeText(did.value());
    w.writeKey("seq");
    w.writeLong(seq);
    w.writeKey("time");
    w.writeText(time.value());
    w.writeKey("active");
    w.writeBoolean(active);
    if (status.isPresent()) {
      w.writeKey("status");
      w.writeText(status.get());
    }
    return w.toByteArray();
  }
}
