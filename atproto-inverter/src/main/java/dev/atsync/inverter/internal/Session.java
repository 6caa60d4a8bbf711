package dev.atsync.inverter.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;

/**
 * One subscriber: its socket and its own position in the log. Only the fan-out thread moves the
 * position and sends events, so a subscriber's stream is strictly ordered without locks.
 */
final class Session {
  final WebSocket socket;
  final String remote;
  /** seq of the last event sent; the next one sent is the first above it. */
  long position;
  long lagSince;
  long queuedBytesSeen;
  long drainProgressNanos = System.nanoTime();
  final AtomicBoolean closing = new AtomicBoolean();

  Session(WebSocket socket, long position, String remote) {
    this.socket = socket;
    this.position = position;
    this.remote = remote;
  }

  /** Bytes waiting in the socket's outgoing queue (the library's queue is unbounded, so we watch it). */
  long queuedBytes() {
    long n = 0;
    if (socket instanceof WebSocketImpl impl) {
      for (ByteBuffer b : impl.outQueue) {
        n += b.remaining();
      }
    }
    return n;
  }

  boolean open() {
    return socket.isOpen() && !closing.get();
  }
}
