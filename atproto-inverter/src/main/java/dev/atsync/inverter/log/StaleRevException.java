package dev.atsync.inverter.log;

import dev.atsync.inverter.InverterException;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.util.Objects;

/**
 * An event that breaks the rev rule of {@link EventLog}: a {@code #commit} whose rev is not above
 * its account's current rev, or a {@code #sync} whose rev is below it. A stale or reordered event,
 * for example from a PDS instance that lost a race with another. Nothing of its batch was stored.
 */
public final class StaleRevException extends InverterException {
  private static final long serialVersionUID = 1L;
  private final Did did;
  private final Tid offeredRev;
  private final Tid currentRev;

  /**
   * @param did the account
   * @param type the message type refused
   * @param offeredRev the rev that was refused
   * @param currentRev the account's current rev
   */
  public StaleRevException(Did did, String type, Tid offeredRev, Tid currentRev) {
    super(type + " rev " + offeredRev + " of " + did + (offeredRev.equals(currentRev)
        ? " repeats its current rev" : " is before its current rev " + currentRev)
        + (RevRule.SYNC.equals(type) ? "" : " (a #commit must be after it)"));
    this.did = Objects.requireNonNull(did, "did");
    this.offeredRev = Objects.requireNonNull(offeredRev, "offeredRev");
    this.currentRev = Objects.requireNonNull(currentRev, "currentRev");
  }

  /** The account. */
  public Did did() {
    return did;
  }

  /** The refused rev. */
  public Tid offeredRev() {
    return offeredRev;
  }

  /** The account's current rev. */
  public Tid currentRev() {
    return currentRev;
  }
}
