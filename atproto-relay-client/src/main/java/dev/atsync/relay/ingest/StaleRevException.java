package dev.atsync.relay.ingest;

/**
 * 409 {@code StaleRev}: the inverter already holds a newer or equal rev for this account. Never
 * retried; the PDS must resynchronise the account (e.g. emit a {@code #sync} event).
 */
public final class StaleRevException extends InverterException {
  private static final long serialVersionUID = 1L;
  private final String did;
  private final String rev;
  private final String currentRev;

  /** Creates the exception. */
  public StaleRevException(String message, String did, String rev, String currentRev) {
    super(409, "StaleRev", message, null);
    this.did = did;
    this.rev = rev;
    this.currentRev = currentRev;
  }

  /** Account DID the frame was for. */
  public String did() { return did; }

  /** Rev that was rejected. */
  public String rev() { return rev; }

  /** Rev the inverter currently holds. */
  public String currentRev() { return currentRev; }
}
