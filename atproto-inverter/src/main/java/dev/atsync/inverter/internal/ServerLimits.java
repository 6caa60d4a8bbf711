package dev.atsync.inverter.internal;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.time.Duration;

/**
 * Bounds on everything a peer controls, on both listeners (see the inverter README, "Limits").
 *
 * @param maxHeaderBytes longest request line, and most bytes of request headers, on either listener
 * @param headerTimeout ingest: from a request's first byte to the end of its headers; public: from
 *     accept to the end of the WebSocket handshake
 * @param bodyTimeout ingest: from the end of the headers to the end of the body
 * @param idleTimeout ingest: how long a keep-alive connection may wait for its next request
 * @param maxIngestConnections open connections on the ingest listener; more are answered 503 and closed
 * @param maxPublicConnections open connections on the public listener, subscribers and handshakes
 * @param maxIngestBytesInFlight request bodies held at once on the ingest listener (received,
 *     being decoded or stored); a request that does not fit waits, then is answered 503
 * @param maxHandshakeBytesInFlight handshake bytes held at once on the public listener
 * @param maxBackfillBytesInFlight frames read from the log for subscribers behind the in-memory
 *     window and not yet written to their sockets, all subscribers together
 * @param ingestThreads threads that decode, check and store posted batches
 */
public record ServerLimits(int maxHeaderBytes, Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
    int maxIngestConnections, int maxPublicConnections, long maxIngestBytesInFlight, long maxHandshakeBytesInFlight,
    long maxBackfillBytesInFlight, int ingestThreads) {
  /**
   * Largest WebSocket frame payload a subscriber may send: the RFC 6455 limit of a control frame.
   * Subscribers send nothing but control frames; any data frame (or fragment) closes the connection.
   */
  public static final int MAX_INBOUND_FRAME = 125;

  /**
   * The HTTP codec of a listener: its request line and headers bounded by {@link #maxHeaderBytes}
   * (a longer one is refused before it is held), a body read in chunks of at most {@code maxChunk}.
   */
  HttpServerCodec requestCodec(int maxChunk) {
    return new HttpServerCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(maxHeaderBytes)
        .setMaxHeaderSize(maxHeaderBytes)
        .setMaxChunkSize(maxChunk));
  }
}
