package dev.atsync.relay.ingest;

import dev.atsync.firehose.ingest.IngestError;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.firehose.ingest.IngestProtocol;
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
import java.util.Map;
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
    this.events = URI.create(b.baseUrl.toString().replaceAll("/+$", "") + IngestProtocol.PATH);
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
   * {@link IngestException}.
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
        IngestException after = new IngestException(IngestError.PRECEDING_FRAME_FAILED, "an earlier frame failed",
            Map.of(), e);
        for (Pending p : dropped) p.future.completeExceptionally(after);
      }
    }
  }

  /**
   * Posts frames synchronously, in order, returning one seq per frame. A 413 for several frames
   * is retried as two halves (recursively); a single frame with 413 fails.
   *
   * @throws IngestException when the inverter refuses the frames or stays unreachable
   */
  public List<Long> postBatch(List<byte[]> frames) {
    if (frames.isEmpty()) return List.of();
    try {
      return postOnce(frames);
    } catch (IngestException e) {
      if (e.error() != IngestError.PAYLOAD_TOO_LARGE || frames.size() < 2) throw e;
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
        .header("Content-Type", IngestProtocol.CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    for (int attempt = 1; ; attempt++) {
      IngestException failure;
      Duration hint = null;
      try {
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 200) return IngestProtocol.parseAccepted(r.body(), frames.size());
        failure = IngestProtocol.parseError(r.statusCode(), r.body());
        hint = RetryPolicy.serverHint(r.headers(), clock.instant()).orElse(null);
      } catch (IOException e) {
        failure = new IngestException(IngestError.UNREACHABLE, e.toString(), Map.of(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IngestException(IngestError.UNREACHABLE, "interrupted", Map.of(), e);
      }
      if (!failure.retryable() || attempt >= retry.maxAttempts()) throw failure;
      try {
        retry.sleeper().sleep(retry.backoff(attempt, hint));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure;
      }
    }
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
