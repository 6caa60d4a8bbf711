package dev.atsync.inverter.internal;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.log.LoggedEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The most recent events, already re-sequenced and encoded as whole WebSocket binary messages
 * (header and payload in one direct buffer): each event is encoded once here, and every live
 * subscriber is sent a retained duplicate of the same buffer, so a delivery copies nothing and
 * many deliveries go out in one gathering write. Subscribers further behind than this window
 * read from the log instead. Bounded by a number of events and by their bytes, whichever is
 * reached first (large frames would otherwise hold memory).
 *
 * <p>Written by the fan-out thread only; read by the network threads. An evicted buffer is
 * released here; a reader that loses that race is told so by {@link #retainHigher} (it then
 * reads from the log), never given a released buffer or an event after a gap.
 */
final class RecentFrames {
  private final ConcurrentNavigableMap<Long, ByteBuf> frames = new ConcurrentSkipListMap<>();
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

  /**
   * A final, unmasked WebSocket binary message holding {@code payload} (RFC 6455 section 5.2),
   * what Netty's encoder would write for a {@code BinaryWebSocketFrame} on a connection without
   * extensions, in a direct buffer the caller owns (unpooled: a buffer object is never recycled
   * into another event's while a reader may still hold the map entry).
   */
  static ByteBuf binaryMessage(byte[] payload) {
    int n = payload.length;
    int head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
    ByteBuf b = Unpooled.directBuffer(head + n, head + n);
    b.writeByte(0x82);
    if (n < 126) {
      b.writeByte(n);
    } else if (n < 65_536) {
      b.writeByte(126);
      b.writeShort(n);
    } else {
      b.writeByte(127);
      b.writeLong(n);
    }
    b.writeBytes(payload);
    return b;
  }

  /** Adds an event's message (ownership passes to the window) and evicts the oldest beyond the bounds. */
  void add(long seq, ByteBuf message) {
    ByteBuf old = frames.put(seq, message);
    if (old != null) {
      bytes -= old.readableBytes();
      old.release();
    }
    bytes += message.readableBytes();
    while (frames.size() > capacity || (bytes > maxBytes && frames.size() > 1)) {
      Map.Entry<Long, ByteBuf> e = frames.pollFirstEntry();
      bytes -= e.getValue().readableBytes();
      e.getValue().release();
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
    Map.Entry<Long, ByteBuf> first = frames.firstEntry();
    return first != null && first.getKey() <= after + 1;
  }

  /**
   * The event right after {@code after} as a retained duplicate for the caller to write (the
   * write releases it), or {@code null} if there is none yet or it has left the window (then
   * the subscriber must be served from the log). Safe against a concurrent eviction: eviction
   * takes the oldest first, so if the window still covers {@code after} once the buffer is
   * retained, no event between was skipped and the buffer was not released.
   */
  Map.Entry<Long, ByteBuf> retainHigher(long after) {
    Map.Entry<Long, ByteBuf> e = frames.higherEntry(after);
    if (e == null) {
      return null;
    }
    ByteBuf dup;
    try {
      dup = e.getValue().retainedDuplicate();
    } catch (IllegalReferenceCountException evicted) {
      return null;
    }
    if (!covers(after)) {
      dup.release();
      return null;
    }
    return Map.entry(e.getKey(), dup);
  }

  /** Releases every buffer (at shutdown, on the fan-out thread after it stopped). */
  void clear() {
    Map.Entry<Long, ByteBuf> e;
    while ((e = frames.pollFirstEntry()) != null) {
      e.getValue().release();
    }
    bytes = 0;
  }
}
