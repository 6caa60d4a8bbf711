package dev.atsync.inverter;

/** Base of the exceptions the inverter throws: refused events, stale revs, storage failures. */
public class InverterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message what went wrong */
  public InverterException(String message) {
    super(message);
  }

  /** With a cause. */
  public InverterException(String message, Throwable cause) {
    super(message, cause);
  }
}
