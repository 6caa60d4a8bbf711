package dev.atsync.inverter.log;

import dev.atsync.inverter.InverterException;
import java.util.Optional;

/**
 * An event that breaks the rev rule of {@link EventLog}: a {@code #commit} whose rev is not above
 * its account's current rev, or a {@code #sync} whose rev is below it. A stale or reordered event,
 * for example from a PDS instance that lost a race with another. Nothing of its batch was stored.
 */
public final class StaleRevException extends InverterException {
  private static final long serialVersionUID = 1L;
  private final String did;
  private final String offeredRev;
  private final String currentRev;

  /**
   * @param did the account
   * @param offeredRev the rev that was refused
   * @param currentRev the account's current rev
   */
  public StaleRevException(String did, String offeredRev, String currentRev) {
    super("rev " + offeredRev + " of " + did + " is not after its current rev " + currentRev);
    this.did = did;
    this.offeredRev = offeredRev;
    this.currentRev = currentRev;
  }

  /** The account. */
  public String did() {
    return did;
  }

  /** The refused rev. */
  public String offeredRev() {
    return offeredRev;
  }

  /** The account's current rev. */
  public Optional<String> currentRev() {
    return Optional.ofNullable(currentRev);
  }
}
