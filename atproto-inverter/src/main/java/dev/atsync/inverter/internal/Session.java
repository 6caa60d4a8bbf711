package dev.atsync.inverter.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One subscriber: its socket and its own position in the log. The position is moved, and events
 * are sent, by one owner at a time: the fan-out thread while the subscriber is live (within the
 * in-memory window: it decides, and the
 * subscriber's network thread writes), a backfill task while it is behind ({@link #backfilling}). The hand-over is
 * an atomic flag, and both write through the same channel, so a subscriber's stream is strictly
 * ordered, without a gap or a duplicate at the cut-over.
 */
final class Session {
  private static final long CLOSE_GRACE_MILLIS = 5_000;
  private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
  final Channel channel;
  final String remote;
  /** A number naming this subscriber in the admin routes and the lag metric, unique in this JVM. */
  final long id = IDS.incrementAndGet();
  /** When the upgrade completed. */
  final java.time.Instant connectedAt = java.time.Instant.now();
  /** seq of the last event sent; the next one sent is the first above it. */
  volatile long position;
  /** Set while a backfill task owns the session: the fan-out thread leaves it alone. */
  final AtomicBoolean backfilling = new AtomicBoolean();
  final AtomicBoolean closing = new AtomicBoolean();
  /** Set while a live write task for this session waits on its network thread (one at a time). */
  final AtomicBoolean liveScheduled = new AtomicBoolean();
  /** When the socket's queue went over its budget and has not drained below half of it since (0: it has). */
  volatile long unwritableSince;
  // the fan-out thread's bookkeeping
  long lagSince;
  // the backfill task's bookkeeping
  long backfillRetryNanos;
  int avgFrameBytes = 1024;

  Session(Channel channel, long position, String remote) {
    this.channel = channel;
    this.position = position;
    this.remote = remote;
  }

  /** Bytes written to the socket and not yet taken by the kernel (including writes still on their way to the network thread). */
  long queuedBytes() {
    ChannelOutboundBuffer b = channel.unsafe().outboundBuffer();
    return b == null ? 0 : b.totalPendingWriteBytes();
  }

  boolean open() {
    return channel.isActive() && !closing.get();
  }

  /** Queues one frame; the same array may be queued on many sessions (it is not copied). */
  void write(byte[] frame) {
    channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)), channel.voidPromise());
  }

  /** Queues one frame and runs {@code whenWritten} once the socket took it (or the write failed). */
  void write(byte[] frame, Runnable whenWritten) {
    channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame))).addListener(f -> whenWritten.run());
  }

  void flush() {
    channel.flush();
  }

  /** Sends a frame and a close frame, then closes; with {@code abort}, closes at once (the peer does not read). */
  void closeWith(byte[] frame, int code, String reason, boolean abort) {
    if (frame != null) {
      channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)), channel.voidPromise());
    }
    if (abort) {
      channel.close();
      return;
    }
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    // a peer that stops reading never takes the close frame: close regardless, a little later
    channel.eventLoop().schedule(() -> {
      channel.close();
    }, CLOSE_GRACE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
  }
}
