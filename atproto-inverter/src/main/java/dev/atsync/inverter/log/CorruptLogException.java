package dev.atsync.inverter.log;

/**
 * The store's data is damaged (a corrupt database page, a file that is not a database): the
 * operation will not succeed by retrying. Readers that meet it stop serving the damaged range;
 * the store reports {@link EventStore.Status.Condition#CORRUPT} until an operator restores it.
 */
public class CorruptLogException extends EventLogException {
  private static final long serialVersionUID = 1L;

  /** @param message what is damaged, with the cause */
  public CorruptLogException(String message, Throwable cause) {
    super(message, cause);
  }
}
