package dev.atsync.relay.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.relay.RetryPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts event-stream frames to an inverter's {@code /events} endpoint.
 *
 * <p><b>Ordering.</b> One worker thread sends one request at a time, taking pending frames in
 * publish order (up to {@code maxBatchFrames}/{@code maxBatchBytes} per request), so the inverter
 * sees each account's frames in order. <b>Failure.</b> When a frame fails permanently (400, 401,
 * 409, a single-frame 413, or retries exhausted), every frame still queued at that moment fails
 * too, with error {@code PrecedingFrameFailed}: a later commit of the same account usually builds
 * on the failed one and would be accepted out of order otherwise. Frames published afterwards are
 * sent normally; the caller decides how to recover (typically a {@code #sync} event).
 * Retrying 5xx and connection errors is safe because the inverter deduplicates identical frames.
 */
public final class InverterClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InverterClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_RESPONSE = 1 << 20;

  private final URI events;
  private final String token;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final RetryPolicy retry;
  private final Clock clock;
  private final int maxBatchFrames;
  private final long maxBatchBytes;
  private final ExecutorService worker;
  private final Object lock = new Object();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean draining;
  private boolean closed;

  private record Pending(byte[] frame, CompletableFuture<Long> future) {}

  private InverterClient(Builder b) {
    this.events = URI.create(b.baseUrl.toString().replaceAll("/+$", "") + "/events");
    this.token = b.token;
    this.requestTimeout = b.requestTimeout;
    this.retry = b.retry;
    this.clock = b.clock;
    this.maxBatchFrames = b.maxBatchFrames;
    this.maxBatchBytes = b.maxBatchBytes;
    this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).build();
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "inverter-client");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts a builder; base URL and token are required. */
  public static Builder builder() { return new Builder(); }

  /**
   * Queues one frame; completes with its sequence number once durable, or exceptionally with an
   * {@link InverterException}.
   */
  public CompletableFuture<Long> publish(byte[] frame) {
    Objects.requireNonNull(frame, "frame");
    CompletableFuture<Long> f = new CompletableFuture<>();
    synchronized (lock) {
      if (closed) {
        f.completeExceptionally(new IllegalStateException("client closed"));
        return f;
      }
      queue.add(new Pending(frame.clone(), f));
      if (!draining) {
        draining = true;
        worker.execute(this::drain);
      }
    }
    return f;
  }

  private void drain() {
    while (true) {
      List<Pending> batch = new ArrayList<>();
      synchronized (lock) {
        long bytes = 0;
        while (!queue.isEmpty() && batch.size() < maxBatchFrames
            && (batch.isEmpty() || bytes + queue.peek().frame.length <= maxBatchBytes)) {
          Pending p = queue.poll();
          bytes += p.frame.length;
          batch.add(p);
        }
        if (batch.isEmpty()) {
          draining = false;
          return;
        }
      }
      List<byte[]> frames = new ArrayList<>(batch.size());
      for (Pending p : batch) frames.add(p.frame);
      try {
        List<Long> seqs = postBatch(frames);
        for (int i = 0; i < batch.size(); i++) batch.get(i).future.complete(seqs.get(i));
      } catch (RuntimeException e) {
        List<Pending> dropped;
        synchronized (lock) {
          dropped = new ArrayList<>(queue);
          queue.clear();
        }
        log.warn("inverter batch of {} failed ({}); failing {} queued frames after it", batch.size(), e.getMessage(), dropped.size());
        for (Pending p : batch) p.future.completeExceptionally(e);
        InverterException after = new InverterException(0, "PrecedingFrameFailed", "an earlier frame failed", e);
        for (Pending p : dropped) p.future.completeExceptionally(after);
      }
    }
  }

  /**
   * Posts frames synchronously, in order, returning one seq per frame. A 413 for several frames
   * is retried as two halves (recursively); a single frame with 413 fails.
   *
   * @throws InverterException (or a subclass) when the inverter refuses or stays unreachable
   */
  public List<Long> postBatch(List<byte[]> frames) {
    if (frames.isEmpty()) return List.of();
    try {
      return postOnce(frames);
    } catch (InverterException e) {
      if (e.status() != 413 || frames.size() < 2) throw e;
      int mid = frames.size() / 2;
      log.debug("413 for {} frames; splitting", frames.size());
      List<Long> out = new ArrayList<>(postBatch(frames.subList(0, mid)));
      out.addAll(postBatch(frames.subList(mid, frames.size())));
      return out;
    }
  }

  private List<Long> postOnce(List<byte[]> frames) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] f : frames) body.writeBytes(f);
    HttpRequest req = HttpRequest.newBuilder(events).timeout(requestTimeout)
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/vnd.ipld.dag-cbor")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    for (int attempt = 1; ; attempt++) {
      InverterException failure;
      Duration hint = null;
      try {
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode n = parse(r.body());
        if (r.statusCode() == 200) return seqs(n, frames.size());
        failure = errorOf(r.statusCode(), n);
        hint = RetryPolicy.serverHint(r.headers(), clock.instant()).orElse(null);
      } catch (IOException e) {
        failure = new InverterException(0, null, e.toString(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InverterException(0, null, "interrupted", e);
      }
      boolean retryable = failure.status() == 0 || failure.status() == 408 || failure.status() == 429 || failure.status() >= 500;
      if (!retryable || attempt >= retry.maxAttempts()) throw failure;
      try {
        retry.sleeper().sleep(retry.backoff(attempt, hint));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure;
      }
    }
  }

  private static JsonNode parse(byte[] body) {
    if (body.length == 0 || body.length > MAX_RESPONSE) return JSON.createObjectNode();
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static List<Long> seqs(JsonNode n, int expected) {
    JsonNode arr = n.path("seqs");
    if (!arr.isArray() || arr.size() != expected) {
      throw new InverterException(200, null, "response must carry " + expected + " seqs: " + n, null);
    }
    List<Long> out = new ArrayList<>(expected);
    for (JsonNode s : arr) {
      if (!s.canConvertToLong()) throw new InverterException(200, null, "non-integer seq: " + s, null);
      out.add(s.asLong());
    }
    return List.copyOf(out);
  }

  private static InverterException errorOf(int status, JsonNode n) {
    String error = n.path("error").isTextual() ? n.get("error").asText() : null;
    String message = n.path("message").isTextual() ? n.get("message").asText() : null;
    if (status == 409 && "StaleRev".equals(error)) {
      return new StaleRevException(message, n.path("did").asText(null), n.path("rev").asText(null), n.path("currentRev").asText(null));
    }
    if (status == 400 && "InvalidFrame".equals(error)) {
      return new InvalidFrameException(message, n.path("frame").canConvertToInt() ? n.get("frame").asInt() : -1);
    }
    return new InverterException(status, error, message, null);
  }

  /** Fails frames still queued, lets the in-flight request finish, and stops the worker. */
  @Override
  public void close() {
    List<Pending> dropped;
    synchronized (lock) {
      closed = true;
      dropped = new ArrayList<>(queue);
      queue.clear();
    }
    for (Pending p : dropped) p.future.completeExceptionally(new IllegalStateException("client closed"));
    worker.shutdown();
    try {
      worker.awaitTermination(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Builder for {@link InverterClient}. */
  public static final class Builder {
    private URI baseUrl;
    private String token;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private RetryPolicy retry = RetryPolicy.defaults();
    private Clock clock = Clock.systemUTC();
    private int maxBatchFrames = 100;
    private long maxBatchBytes = 4L << 20;

    private Builder() {}

    /** Inverter base URL (http or https). */
    public Builder baseUrl(String url) {
      URI u = URI.create(url);
      if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) throw new IllegalArgumentException("baseUrl must be http(s): " + url);
      this.baseUrl = u;
      return this;
    }

    /** Bearer token the inverter was configured with for this PDS. */
    public Builder token(String t) {
      if (t == null || t.isBlank() || t.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) throw new IllegalArgumentException("token must be visible ASCII");
      this.token = t;
      return this;
    }

    /** Connect timeout (default 10 s). */
    public Builder connectTimeout(Duration d) { this.connectTimeout = Objects.requireNonNull(d); return this; }

    /** Per-request timeout (default 30 s). */
    public Builder requestTimeout(Duration d) { this.requestTimeout = Objects.requireNonNull(d); return this; }

    /** Retry policy for 5xx/429/connection errors. */
    public Builder retryPolicy(RetryPolicy p) { this.retry = Objects.requireNonNull(p); return this; }

    /** Clock for HTTP-date Retry-After values. */
    public Builder clock(Clock c) { this.clock = Objects.requireNonNull(c); return this; }

    /** Most frames per request from {@link #publish} batching (default 100). */
    public Builder maxBatchFrames(int n) {
      if (n < 1) throw new IllegalArgumentException("maxBatchFrames must be >= 1");
      this.maxBatchFrames = n;
      return this;
    }

    /** Most bytes per request (a single larger frame is still sent alone; default 4 MiB). */
    public Builder maxBatchBytes(long n) {
      if (n < 1) throw new IllegalArgumentException("maxBatchBytes must be >= 1");
      this.maxBatchBytes = n;
      return this;
    }

    /** Builds the client and its worker thread. */
    public InverterClient build() {
      if (baseUrl == null || token == null) throw new IllegalStateException("baseUrl and token are required");
      return new InverterClient(this);
    }
  }
}
