package dev.atsync.firehose.subscribe;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The processed cursor: advances to seq S only once every dispatched frame with seq <= S is
 * done. Size is bounded by the subscriber's in-flight bound.
 */
final class Watermark {
  private final ArrayDeque<Long> order = new ArrayDeque<>();
  private final Map<Long, Boolean> done = new HashMap<>();
  private long processed;

  Watermark(long start) {
    this.processed = start;
  }

  synchronized void dispatched(long seq) {
    order.addLast(seq);
    done.put(seq, Boolean.FALSE);
  }

  /**
   * Marks {@code seq} done.
   *
   * @return the processed cursor if this completion advanced it, or -1
   */
  synchronized long completed(long seq) {
    done.put(seq, Boolean.TRUE);
    long before = processed;
    while (!order.isEmpty() && Boolean.TRUE.equals(done.get(order.peekFirst()))) {
      long s = order.pollFirst();
      done.remove(s);
      processed = s;
    }
    return processed != before ? processed : -1;
  }

  /**
   * Starts over at {@code start}: the server's sequence changed (it answered {@code FutureCursor}
   * and was followed live). Only called when nothing is in flight.
   */
  synchronized void reset(long start) {
    order.clear();
    done.clear();
    processed = start;
  }

  synchronized long processed() {
    return processed;
  }
}
