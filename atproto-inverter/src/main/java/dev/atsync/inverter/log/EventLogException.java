package dev.atsync.inverter.log;

import dev.atsync.inverter.InverterException;

/**
 * The store could not do what was asked: a database error, a full disk, an unreachable NATS
 * cluster, a closed log. Every {@link EventStore} fails this way. For an append it means nothing
 * of the batch is stored, except where the store says otherwise (JetStream can leave a stored
 * prefix; a retry then deduplicates it).
 */
public class EventLogException extends InverterException {
  private static final long serialVersionUID = 1L;

  /** @param message what failed */
  public EventLogException(String message) {
    super(message);
  }

  /** With the underlying cause. */
  public EventLogException(String message, Throwable cause) {
    super(message, cause);
  }
}
