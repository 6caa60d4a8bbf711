package dev.atsync.inverter.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A global budget of bytes in flight on one listener (request bodies on the ingest listener,
 * handshakes and backfill frames on the public one), so the memory a listener holds stays
 * proportional to what it accepted, whatever its peers send. Lock-free; a reservation either
 * fits whole or is refused, and every successful {@link #tryReserve} is paired with one
 * {@link #release} of the same amount.
 */
public final class ByteBudget {
  private final String name;
  private final long capacity;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();

  /** A budget of {@code capacity} bytes, named for metrics and messages. */
  public ByteBudget(String name, long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("budget must be positive: " + capacity);
    }
    this.name = name;
    this.capacity = capacity;
  }

  /** Reserves {@code n} bytes if they fit; {@code false} (nothing reserved) if not. */
  public boolean tryReserve(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("negative reservation");
    }
    while (true) {
      long u = used.get();
      if (u + n > capacity) {
        return false;
      }
      if (used.compareAndSet(u, u + n)) {
        peak.accumulateAndGet(u + n, Math::max);
        return true;
      }
    }
  }

  /** Gives back {@code n} reserved bytes. */
  public void release(long n) {
    if (n == 0) {
      return;
    }
    long after = used.addAndGet(-n);
    if (after < 0) {
      used.addAndGet(n);
      throw new IllegalStateException(name + ": released more than reserved");
    }
  }

  /** Bytes reserved now. */
  public long used() {
    return used.get();
  }

  /** The most bytes ever reserved at once. */
  public long peak() {
    return peak.get();
  }

  /** The budget. */
  public long capacity() {
    return capacity;
  }

  /** The name given. */
  public String name() {
    return name;
  }
}
