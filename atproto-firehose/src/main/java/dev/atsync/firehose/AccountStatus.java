package dev.atsync.firehose;

import java.util.Optional;

/** The hosting status values the lexicon knows for an inactive account. */
public enum AccountStatus {
  /** Taken down by the host. */
  TAKENDOWN("takendown"),
  /** Temporarily suspended. */
  SUSPENDED("suspended"),
  /** Deleted. */
  DELETED("deleted"),
  /** Deactivated by the account holder. */
  DEACTIVATED("deactivated"),
  /** The host lost sync with the account's repository. */
  DESYNCHRONIZED("desynchronized"),
  /** Rate-limited by the host. */
  THROTTLED("throttled");

  private final String wire;

  AccountStatus(String wire) {
    this.wire = wire;
  }

  /** The value on the wire. */
  public String wire() {
    return wire;
  }

  /** The known status for a wire value. */
  public static Optional<AccountStatus> of(String wire) {
    for (AccountStatus s : values()) {
      if (s.wire.equals(wire)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
