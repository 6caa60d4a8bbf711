package dev.atsync.relay.ingest;

import dev.atsync.firehose.ingest.IngestError;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.firehose.ingest.IngestProtocol;
import dev.atsync.relay.RetryPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.DefaultManagedHttpClientConnection;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.impl.io.SocketHolder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts event-stream frames to an inverter's {@code /events} endpoint.
 *
 * <p><b>Coalescing and ordering.</b> {@link #publish} queues a frame; one worker thread sends one
 * request at a time, taking every frame queued meanwhile in publish order (up to
 * {@code maxBatchFrames}/{@code maxBatchBytes} per request, waiting at most {@code linger} for
 * more), so concurrent single-frame publishers share requests, and the inverter sees each
 * account's frames in order. <b>Failure.</b> Every caller gets its own outcome: the inverter
 * refuses a request whole, so when a shared request is refused because of one frame, the frames
 * before it are sent again without it and get their seqs, that frame gets the refusal, and the
 * frames after it fail with {@code PrecedingFrameFailed} (whose cause is the refusal). When a
 * frame fails permanently (400, 401, 409, a single-frame 413, or retries exhausted), every frame
 * still queued at that moment fails too, with {@code PrecedingFrameFailed}: a later commit of the
 * same account usually builds on the failed one and would be accepted out of order otherwise.
 * Frames published afterwards are sent normally; the caller decides how to recover (typically a
 * {@code #sync} event).
 * Retrying 5xx and connection errors is safe because the inverter deduplicates identical frames.
 *
 * <p><b>Transport.</b> Requests go over Apache HttpClient's classic (blocking) API: the thread that
 * sends a request writes it and reads the answer itself, on a kept-alive connection with
 * {@code TCP_NODELAY}. The JDK's {@code java.net.http.HttpClient} hands each exchange between its
 * selector thread and an executor, and between posts those threads sleep: against a server that
 * answers at once, a post took 0.80-1.28 ms at p50 (p99 4.9-6.3 ms) through it, 0.31-0.62 ms (p99
 * 2.0-2.8 ms) through this client, and 0.13-0.28 ms from a bare socket (benchmarks/README.md,
 * "Issue 16, fourth round").
 * A kept-alive connection is not checked before reuse (that check is a 1 ms read); when it turns
 * out to have been closed by the server or a proxy meanwhile, the request is sent once more at
 * once on a new connection, before any backoff. Its connections never write headers or bytes to
 * the log, whatever Apache's loggers are set to: they carry the token.
 */
public final class InverterClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InverterClient.class);

  private final URI events;
  private final String token;
  private final CloseableHttpClient http;
  private final Duration requestTimeout;
  private final RetryPolicy retry;
  private final Clock clock;
  private final int maxBatchFrames;
  private final long maxBatchBytes;
  private final Duration linger;
  private final ExecutorService worker;
  private final Object lock = new Object();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean draining;
  private boolean closed;

  private record Pending(byte[] frame, CompletableFuture<Long> future) {}

  private static final ContentType FRAMES = ContentType.create(IngestProtocol.CONTENT_TYPE);
  /** The most of an answer read: a seq list for the largest batch, or an error document, is far less. */
  private static final int MAX_ANSWER_BYTES = 1 << 20;

  private InverterClient(Builder b) {
    this.events = URI.create(b.baseUrl.toString().replaceAll("/+$", "") + IngestProtocol.PATH);
    this.token = b.token;
    this.requestTimeout = b.requestTimeout;
    this.retry = b.retry;
    this.clock = b.clock;
    this.maxBatchFrames = b.maxBatchFrames;
    this.maxBatchBytes = b.maxBatchBytes;
    this.linger = b.linger;
    Timeout answerTimeout = Timeout.of(b.requestTimeout);
    PoolingHttpClientConnectionManagerBuilder connections = PoolingHttpClientConnectionManagerBuilder.create();
    if (b.sslContext != null) connections.setTlsSocketStrategy(new DefaultClientTlsStrategy(b.sslContext));
    this.http = HttpClients.custom()
        .setConnectionManager(connections
            .setConnectionFactory(UnloggedConnection::open)
            .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).setSoTimeout(answerTimeout).build())
            .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(Timeout.of(b.connectTimeout))
                .setSocketTimeout(answerTimeout).setValidateAfterInactivity(TimeValue.NEG_ONE_MILLISECOND).build())
            .build())
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(answerTimeout)
            .setConnectionRequestTimeout(answerTimeout).build())
        // this client retries by its own policy, follows no redirect (a POST is not replayed
        // elsewhere), and sends no cookies or Accept-Encoding
        .disableAutomaticRetries().disableRedirectHandling().disableCookieManagement()
        .disableContentCompression().disableAuthCaching()
        .build();
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
      if (!linger.isZero()) lock.notifyAll();
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
        lingerForMore();
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
      RuntimeException failure;
      try {
        failure = send(batch);
      } catch (RuntimeException e) {
        for (Pending p : batch) p.future.completeExceptionally(e);
        failure = e;
      }
      if (failure != null) {
        List<Pending> dropped;
        synchronized (lock) {
          dropped = new ArrayList<>(queue);
          queue.clear();
        }
        log.warn("inverter refused a frame ({}); failing {} queued frames after it", failure.getMessage(),
            dropped.size());
        failAll(dropped, failure);
      }
    }
  }

  /** With a linger time, waits (under the lock) until a full batch is queued or the time has passed. */
  private void lingerForMore() {
    if (linger.isZero()) return;
    long deadline = System.nanoTime() + linger.toNanos();
    long left;
    while (!closed && queue.size() < maxBatchFrames && (left = deadline - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Sends queued frames in order and settles every caller's future with its own outcome. The
   * inverter refuses a request whole (nothing of it is stored), so when a coalesced request is
   * refused because of one frame, the frames before it are sent again without it, the frame gets
   * the refusal, and the frames after it fail with {@code PrecedingFrameFailed}; a refusal that
   * names no frame is resolved by sending the frames one at a time; a refusal of the request
   * itself (a token, the endpoint, retries exhausted) is every frame's outcome.
   *
   * @return the failure that stopped the frames, or {@code null} if all were stored
   */
  private IngestException send(List<Pending> batch) {
    List<byte[]> frames = new ArrayList<>(batch.size());
    for (Pending p : batch) frames.add(p.frame);
    List<Long> seqs;
    try {
      seqs = postOnce(frames);
    } catch (IngestException e) {
      int n = batch.size();
      if (n == 1 || !aboutFrames(e)) {
        for (Pending p : batch) p.future.completeExceptionally(e);
        return e;
      }
      int blame = e.frameIndex().orElse(-1);
      if (blame >= 0 && blame < n) {
        IngestException before = blame > 0 ? send(batch.subList(0, blame)) : null;
        if (before != null) {
          failAll(batch.subList(blame, n), preceding(before));
          return before;
        }
        batch.get(blame).future.completeExceptionally(e);
        failAll(batch.subList(blame + 1, n), preceding(e));
        return e;
      }
      // no frame named (a stale rev names an account, a 413 the whole body): halves, in order,
      // down to single frames, so each frame gets its own answer
      int mid = n / 2;
      IngestException first = send(batch.subList(0, mid));
      if (first != null) {
        failAll(batch.subList(mid, n), preceding(first));
        return first;
      }
      return send(batch.subList(mid, n));
    }
    for (int i = 0; i < batch.size(); i++) batch.get(i).future.complete(seqs.get(i));
    return null;
  }

  /** Whether a refusal is about the frames sent (so another request without one of them may pass). */
  private static boolean aboutFrames(IngestException e) {
    return switch (e.error()) {
      case INVALID_FRAME, INVALID_COMMIT, STALE_REV, PAYLOAD_TOO_LARGE -> true;
      default -> false;
    };
  }

  private static IngestException preceding(RuntimeException cause) {
    return new IngestException(IngestError.PRECEDING_FRAME_FAILED, "an earlier frame failed", Map.of(), cause);
  }

  private static void failAll(List<Pending> ps, RuntimeException cause) {
    IngestException after = cause instanceof IngestException i && i.error() == IngestError.PRECEDING_FRAME_FAILED
        ? i : preceding(cause);
    for (Pending p : ps) p.future.completeExceptionally(after);
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

  /** An answer's status, body and the wait it asked for. */
  private record Answer(int status, byte[] body, Duration retryHint) {}

  private List<Long> postOnce(List<byte[]> frames) {
    byte[] body;
    if (frames.size() == 1) {
      body = frames.get(0);
    } else {
      ByteArrayOutputStream joined = new ByteArrayOutputStream();
      for (byte[] f : frames) joined.writeBytes(f);
      body = joined.toByteArray();
    }
    for (int attempt = 1; ; attempt++) {
      IngestException failure;
      Duration hint = null;
      try {
        Answer a = exchange(body);
        if (a.status == 200) return IngestProtocol.parseAccepted(a.body, frames.size());
        failure = IngestProtocol.parseError(a.status, a.body);
        hint = a.retryHint;
      } catch (IOException e) {
        failure = new IngestException(IngestError.UNREACHABLE, e.toString(), Map.of(), e);
        if (Thread.currentThread().isInterrupted()) throw failure; // closing, or the caller gave up
        if (attempt == 1 && retry.maxAttempts() > 1) {
          // most often a kept-alive connection the server closed while it was idle: the next
          // attempt opens a new one, at once (see the class doc's "Transport")
          log.debug("sending again at once on a new connection after {}", e.toString());
          continue;
        }
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

  /** One request and its answer, on the calling thread. */
  private Answer exchange(byte[] body) throws IOException {
    HttpPost post = new HttpPost(events);
    post.setHeader("Authorization", "Bearer " + token);
    post.setEntity(new ByteArrayEntity(body, FRAMES));
    return http.execute(post, r -> {
      HttpEntity entity = r.getEntity();
      byte[] answer = entity == null ? new byte[0] : EntityUtils.toByteArray(entity, MAX_ANSWER_BYTES);
      Duration hint = RetryPolicy.serverHint(
          name -> Optional.ofNullable(r.getFirstHeader(name)).map(Header::getValue), clock.instant()).orElse(null);
      return new Answer(r.getCode(), answer, hint);
    });
  }

  /**
   * A connection that never writes its messages to the log. Apache HttpClient logs every header,
   * and with its wire log every byte, of a request once its {@code org.apache.hc.client5.http.headers}
   * or {@code .wire} logger is at DEBUG (as it is when a whole application is), and this client's
   * requests carry the ingest token; the JDK client logged nothing unless asked by a system
   * property. So the two hooks that log headers do nothing here, and the socket is bound without
   * the logging wrapper.
   */
  private static final class UnloggedConnection extends DefaultManagedHttpClientConnection {
    private static final AtomicLong IDS = new AtomicLong();

    private UnloggedConnection(String id) {
      super(id);
    }

    static ManagedHttpClientConnection open(Socket socket) throws IOException {
      UnloggedConnection c = new UnloggedConnection("atsync-ingest-" + IDS.incrementAndGet());
      if (socket != null) c.bind(socket);
      return c;
    }

    @Override
    public void bind(Socket socket) throws IOException {
      bind(new SocketHolder(socket));
    }

    @Override
    public void bind(SSLSocket tls, Socket socket) throws IOException {
      bind(new SocketHolder(tls, socket));
    }

    @Override
    protected void onRequestSubmitted(ClassicHttpRequest request) {
      // not logged: the Authorization header holds the token
    }

    @Override
    protected void onResponseReceived(ClassicHttpResponse response) {
      // not logged either, for the same reason as requests
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
      lock.notifyAll(); // a lingering worker stops waiting
    }
    for (Pending p : dropped) p.future.completeExceptionally(new IllegalStateException("client closed"));
    worker.shutdown();
    try {
      worker.awaitTermination(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    http.close(CloseMode.GRACEFUL);
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
    private Duration linger = Duration.ZERO;
    private SSLContext sslContext;

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

    /**
     * The TLS context for an {@code https} base URL, for an inverter whose certificate the JDK's
     * default trust store does not hold (a private CA); default: the JDK's default context. The
     * host name is checked against the certificate either way.
     */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /** Connect timeout (default 10 s). */
    public Builder connectTimeout(Duration d) { this.connectTimeout = Objects.requireNonNull(d); return this; }

    /**
     * How long to wait for the inverter's answer once a request is sent, and for a pooled
     * connection: the longest silence on the socket (default 30 s).
     */
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

    /**
     * How long the worker waits for more frames before sending fewer than {@code maxBatchFrames}
     * (default zero: frames published while a request is in flight still go out together in the
     * next one, so concurrent publishers are batched without any added wait). At most 1 s.
     */
    public Builder linger(Duration d) {
      if (d.isNegative() || d.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("linger must be between 0 and 1 s");
      }
      this.linger = d;
      return this;
    }

    /** Builds the client and its worker thread. */
    public InverterClient build() {
      if (baseUrl == null || token == null) throw new IllegalStateException("baseUrl and token are required");
      return new InverterClient(this);
    }
  }
}
