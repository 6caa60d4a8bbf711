package dev.atsync.inverter.internal;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.log.LoggedEvent;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The most recent events, already re-sequenced into their outgoing bytes: each event is
 * encoded once here and the same array is sent to every live subscriber. Subscribers further
 * behind than this window read from the log instead. Bounded by a number of events and by their
 * bytes, whichever is reached first (large frames would otherwise hold the heap). Written by the
 * fan-out thread only.
 */
final class RecentFrames {
  private final ConcurrentNavigableMap<Long, byte[]> frames = new ConcurrentSkipListMap<>();
  private final int capacity;
  private final long maxBytes;
  private long bytes;

  RecentFrames(int capacity, long maxBytes) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  /** The outgoing bytes of a logged event: its frame with the log's seq spliced in. */
  static byte[] outgoing(LoggedEvent e) {
    return Frame.decode(e.frame()).withSeq(e.seq()).bytes();
  }

  void add(long seq, byte[] frame) {
    frames.put(seq, frame);
    bytes += frame.length;
    while (frames.size() > capacity || (bytes > maxBytes && frames.size() > 1)) {
      Map.Entry<Long, byte[]> old = frames.pollFirstEntry();
      bytes -= old.getValue().length;
    }
  }

  /** Bytes held. */
  long bytes() {
    return bytes;
  }

  /**
   * Whether this window holds every event after {@code after} that the tail has loaded, so a
   * subscriber at that position can be served from memory.
   */
  boolean covers(long after) {
    Map.Entry<Long, byte[]> first = frames.firstEntry();
    return first != null && first.getKey() <= after + 1;
  }

  /** The first event with a seq above {@code after}, or {@code null}. */
  Map.Entry<Long, byte[]> higher(long after) {
    return frames.higherEntry(after);
  }

  long newestSeq() {
    Map.Entry<Long, byte[]> last = frames.lastEntry();
    return last == null ? -1 : last.getKey();
  }
}
