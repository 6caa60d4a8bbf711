package dev.atsync.inverter.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.atsync.firehose.ingest.IngestError;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.firehose.ingest.IngestProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest listener: {@code POST /events} for PDS instances, {@code GET /health} and
 * {@code GET /metrics}. Binds to the configured address (loopback by default). Answers only
 * after the posted events are durable; refuses everything once shutdown has begun.
 */
public final class IngestServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestServer.class);

  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final IngestPipeline pipeline;
  private final TokenSet tokens;
  private final long maxBodyBytes;
  private final Metrics metrics;
  private final Supplier<Map<String, Object>> health;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean accepting = true;

  /** Binds the listener; {@link #start()} begins serving. */
  public IngestServer(InetSocketAddress address, IngestPipeline pipeline, TokenSet tokens, long maxBodyBytes,
      Metrics metrics, Supplier<Map<String, Object>> health) throws IOException {
    this.pipeline = pipeline;
    this.tokens = tokens;
    this.maxBodyBytes = maxBodyBytes;
    this.metrics = metrics;
    this.health = health;
    this.server = HttpServer.create(address, 128);
    this.executor = new ThreadPoolExecutor(8, 8, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024),
        r -> {
          Thread t = new Thread(r, "atsync-ingest");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /** Starts serving. */
  public void start() {
    server.start();
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      if (path.equals(IngestProtocol.PATH)) {
        if (!method.equals("POST")) {
          error(ex, IngestError.METHOD_NOT_ALLOWED, "use POST");
          return;
        }
        events(ex);
      } else if (path.equals("/health") && (method.equals("GET") || method.equals("HEAD"))) {
        Map<String, Object> h = new LinkedHashMap<>(health.get());
        h.put("status", accepting ? "ok" : "stopping");
        respond(ex, accepting ? 200 : 503, "application/json", Json.write(h));
      } else if (path.equals("/metrics") && method.equals("GET")) {
        respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
      } else {
        error(ex, IngestError.NOT_FOUND, "no such endpoint: " + path);
      }
    }
  }

  private void events(HttpExchange ex) throws IOException {
    inFlight.incrementAndGet();
    try {
      if (!accepting) {
        error(ex, IngestError.SHUTTING_DOWN, "the inverter is shutting down; retry on another node");
        return;
      }
      if (!tokens.accepts(ex.getRequestHeaders().getFirst("Authorization"))) {
        discard(ex.getRequestBody());
        boolean missing = ex.getRequestHeaders().getFirst("Authorization") == null;
        refuse(ex, missing ? IngestError.AUTHENTICATION_REQUIRED : IngestError.INVALID_TOKEN,
            missing ? "an Authorization: Bearer token is required" : "the bearer token is not accepted");
        return;
      }
      String type = ex.getRequestHeaders().getFirst("Content-Type");
      if (!isCbor(type)) {
        discard(ex.getRequestBody());
        refuse(ex, IngestError.UNSUPPORTED_MEDIA_TYPE, "expected Content-Type " + IngestProtocol.CONTENT_TYPE
            + ", got " + (type == null ? "none" : type));
        return;
      }
      String declared = ex.getRequestHeaders().getFirst("Content-Length");
      if (declared != null) {
        try {
          if (Long.parseLong(declared.trim()) > maxBodyBytes) {
            discard(ex.getRequestBody());
            refuse(ex, IngestError.PAYLOAD_TOO_LARGE, "body exceeds " + maxBodyBytes + " bytes");
            return;
          }
        } catch (NumberFormatException e) {
          refuse(ex, IngestError.INVALID_REQUEST, "malformed Content-Length");
          return;
        }
      }
      byte[] body = readBounded(ex.getRequestBody(), maxBodyBytes);
      if (body == null) {
        discard(ex.getRequestBody());
        refuse(ex, IngestError.PAYLOAD_TOO_LARGE, "body exceeds " + maxBodyBytes + " bytes");
        return;
      }
      try {
        List<Long> seqs = pipeline.ingest(body);
        respond(ex, 200, "application/json", IngestProtocol.acceptedBody(seqs));
      } catch (IngestException e) {
        respond(ex, e.status(), "application/json", IngestProtocol.errorBody(e));
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /**
   * Reads and drops what is left of a refused request's body, up to a bound, so the client reads
   * our answer instead of a reset connection; past the bound the connection is closed.
   */
  private void discard(InputStream in) {
    byte[] buf = new byte[16384];
    long left = Math.max(maxBodyBytes, 1L << 20) * 2;
    try {
      int n;
      while (left > 0 && (n = in.read(buf)) > 0) {
        left -= n;
      }
    } catch (IOException e) {
      // the client went away; nothing to answer
    }
  }

  /** The media type without parameters must be the protocol's; nothing else is guessed at. */
  static boolean isCbor(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String bare = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return bare.equalsIgnoreCase(IngestProtocol.CONTENT_TYPE);
  }

  private void refuse(HttpExchange ex, IngestError error, String message) throws IOException {
    pipeline.countRefusal(error);
    error(ex, error, message);
  }

  /** Reads at most {@code max} bytes; {@code null} if the stream holds more. */
  static byte[] readBounded(InputStream in, long max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    byte[] buf = new byte[16384];
    long total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
      if (total > max) {
        return null;
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private static void error(HttpExchange ex, IngestError error, String message) throws IOException {
    respond(ex, error.status(), "application/json", IngestProtocol.errorBody(new IngestException(error, message,
        Map.of())));
  }

  private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
    respond(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange ex, int status, String type, byte[] b) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : b.length);
    if (!head) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(b);
      }
    }
  }

  /** Stops taking new posts; in-flight posts finish (up to {@code timeoutMillis}). */
  public void drain(long timeoutMillis) {
    accepting = false;
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    drain(10_000);
    server.stop(0);
    executor.shutdownNow();
  }
}
