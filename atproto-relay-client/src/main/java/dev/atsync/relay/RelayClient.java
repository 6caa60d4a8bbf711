package dev.atsync.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.car.CarReader;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import dev.atsync.firehose.internal.UserAgents;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client for a relay's {@code com.atproto.sync.*} XRPC methods. Thread-safe; build with
 * {@link #builder()}. Redirects (getRepo is answered with a redirect to the PDS) are followed by
 * the JDK client with {@code Redirect.NORMAL}, which follows at most 5 hops (JDK property
 * {@code jdk.httpclient.redirects.retrylimit}) and never from HTTPS to HTTP.
 */
public final class RelayClient {
  private static final Logger log = LoggerFactory.getLogger(RelayClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private final URI base;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final RetryPolicy retry;
  private final Clock clock;
  private final String userAgent;

  private RelayClient(Builder b) {
    this.userAgent = b.userAgent;
    this.base = b.baseUrl;
    this.requestTimeout = b.requestTimeout;
    this.retry = b.retry;
    this.clock = b.clock;
    // HTTP/1.1: over plain http the JDK would offer an h2c upgrade, and a server that handles
    // upgrades itself (a PDS, for its WebSockets) closes such a request unanswered
    this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NORMAL).build();
  }

  /** Starts a builder; {@code baseUrl} is required. */
  public static Builder builder() { return new Builder(); }

  /** The relay base URL. */
  public URI baseUrl() { return base; }

  /** One host as listed by {@code listHosts} / {@code getHostStatus}. */
  public record Host(String hostname, Optional<Long> seq, Optional<Long> accountCount, Optional<String> status) {}

  /** One page of {@code listHosts}; {@code cursor} is empty on the last page. */
  public record HostPage(List<Host> hosts, Optional<String> cursor) {}

  /**
   * {@code getLatestCommit} output.
   *
   * @param cid the CID of the account's current commit
   * @param rev the commit's rev
   */
  public record LatestCommit(Cid cid, Tid rev) {}

  /**
   * {@code getRepoStatus} output.
   *
   * @param did the account
   * @param active whether the host serves the account's repository
   * @param status why the account is inactive, as sent (for example {@code takendown})
   * @param rev the rev of the account's current commit, when the host has one
   */
  public record RepoStatus(Did did, boolean active, Optional<String> status, Optional<Tid> rev) {}

  /**
   * Checks that {@code hostname} is a bare DNS hostname: no scheme, port, path or IP literal
   * syntax beyond dotted labels, at most 253 characters.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static String validateHostname(String hostname) {
    Objects.requireNonNull(hostname, "hostname");
    if (hostname.isEmpty() || hostname.length() > 253) throw new IllegalArgumentException("hostname length must be 1..253: " + hostname.length());
    if (hostname.contains("://")) throw new IllegalArgumentException("hostname must not have a scheme: " + hostname);
    if (hostname.indexOf(':') >= 0) throw new IllegalArgumentException("hostname must not have a port: " + hostname);
    if (hostname.indexOf('/') >= 0) throw new IllegalArgumentException("hostname must not have a path: " + hostname);
    String[] labels = hostname.split("\\.", -1);
    for (int i = 0; i < labels.length; i++) {
      if (!LABEL.matcher(labels[i]).matches()) throw new IllegalArgumentException("invalid label " + i + " in hostname: " + hostname);
    }
    return hostname;
  }

  /** POST {@code com.atproto.sync.requestCrawl}; idempotent, so retried on transient failure. */
  public void requestCrawl(String hostname) {
    validateHostname(hostname);
    String body = JSON.createObjectNode().put("hostname", hostname).toString();
    HttpRequest.Builder rb = request("com.atproto.sync.requestCrawl", "")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    call("com.atproto.sync.requestCrawl", rb, HttpResponse.BodyHandlers.ofByteArray());
  }

  /** One page of {@code com.atproto.sync.listHosts}; {@code limit} 1..1000. */
  public HostPage listHosts(Optional<String> cursor, int limit) {
    if (limit < 1 || limit > 1000) throw new IllegalArgumentException("limit must be 1..1000: " + limit);
    String q = "limit=" + limit + cursor.map(c -> "&cursor=" + enc(c)).orElse("");
    JsonNode n = json("com.atproto.sync.listHosts", q);
    List<Host> hosts = new ArrayList<>();
    JsonNode arr = n.path("hosts");
    if (!arr.isArray()) throw new XrpcException("com.atproto.sync.listHosts", 200, null, "missing hosts array", null);
    for (JsonNode h : arr) hosts.add(host(h));
    return new HostPage(List.copyOf(hosts), text(n, "cursor"));
  }

  /** Iterates every host over all pages, fetching lazily. Stops when a page has no cursor. */
  public Iterator<Host> allHosts(int pageSize) {
    return new Iterator<>() {
      private Iterator<Host> page = List.<Host>of().iterator();
      private Optional<String> cursor = Optional.empty();
      private boolean last;

      @Override public boolean hasNext() {
        while (!page.hasNext() && !last) {
          HostPage p = listHosts(cursor, pageSize);
          page = p.hosts().iterator();
          // An unchanged cursor would loop forever; treat it as the end.
          last = p.cursor().isEmpty() || p.cursor().equals(cursor);
          cursor = p.cursor();
        }
        return page.hasNext();
      }

      @Override public Host next() {
        if (!hasNext()) throw new NoSuchElementException();
        return page.next();
      }
    };
  }

  /** {@code com.atproto.sync.getHostStatus}; a missing host throws with error {@code HostNotFound}. */
  public Host getHostStatus(String hostname) {
    validateHostname(hostname);
    return host(json("com.atproto.sync.getHostStatus", "hostname=" + enc(hostname)));
  }

  /**
   * {@code com.atproto.sync.getLatestCommit}.
   *
   * @param did the account
   * @return its current commit
   * @throws XrpcException if the call fails or the answer lacks a valid {@code cid} or {@code rev}
   */
  public LatestCommit getLatestCommit(Did did) {
    String method = "com.atproto.sync.getLatestCommit";
    JsonNode n = json(method, "did=" + enc(did.value()));
    return new LatestCommit(parsed(method, "cid", required(n, "cid", method), Cid::parse),
        parsed(method, "rev", required(n, "rev", method), Tid::parse));
  }

  /**
   * {@code com.atproto.sync.getRepoStatus}.
   *
   * @param did the account
   * @return its hosting status
   * @throws XrpcException if the call fails or the answer lacks a valid {@code did} or has an invalid {@code rev}
   */
  public RepoStatus getRepoStatus(Did did) {
    String method = "com.atproto.sync.getRepoStatus";
    JsonNode n = json(method, "did=" + enc(did.value()));
    return new RepoStatus(parsed(method, "did", required(n, "did", method), Did::parse),
        n.path("active").asBoolean(false), text(n, "status"),
        text(n, "rev").map(r -> parsed(method, "rev", r, Tid::parse)));
  }

  /**
   * {@code com.atproto.sync.getRepo}, following the redirect to the PDS, returning a reader over
   * the streamed CAR body. The caller must close the reader (which closes the connection).
   */
  public CarReader getRepo(Did did, Optional<Tid> since, CarReader.Limits limits) throws IOException {
    String q = "did=" + enc(did.value()) + since.map(s -> "&since=" + enc(s.value())).orElse("");
    HttpResponse<InputStream> r = call("com.atproto.sync.getRepo", request("com.atproto.sync.getRepo", q).GET(),
        HttpResponse.BodyHandlers.ofInputStream());
    try {
      return CarReader.open(r.body(), limits);
    } catch (IOException | RuntimeException e) {
      r.body().close();
      throw e;
    }
  }

  private static Host host(JsonNode h) {
    String name = h.path("hostname").asText(null);
    if (name == null) throw new XrpcException("host", 200, null, "host without hostname", null);
    return new Host(name, num(h, "seq"), num(h, "accountCount"), text(h, "status"));
  }

  private static Optional<Long> num(JsonNode n, String f) {
    JsonNode v = n.get(f);
    return v != null && v.canConvertToLong() ? Optional.of(v.asLong()) : Optional.empty();
  }

  private static Optional<String> text(JsonNode n, String f) {
    JsonNode v = n.get(f);
    return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
  }

  private static String required(JsonNode n, String f, String method) {
    return text(n, f).orElseThrow(() -> new XrpcException(method, 200, null, "missing field " + f, null));
  }

  /** A response field parsed as its syntax type; a value that does not parse is the server's error. */
  private static <T> T parsed(String method, String field, String value, java.util.function.Function<String, T> parse) {
    try {
      return parse.apply(value);
    } catch (DataModelException e) {
      throw new XrpcException(method, 200, null, "field " + field + " is malformed: " + e.getMessage(), e);
    }
  }

  private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

  private HttpRequest.Builder request(String method, String query) {
    String path = base.toString().replaceAll("/+$", "") + "/xrpc/" + method + (query.isEmpty() ? "" : "?" + query);
    return HttpRequest.newBuilder(URI.create(path)).timeout(requestTimeout).header("Accept", "application/json")
        .header("User-Agent", userAgent);
  }

  private JsonNode json(String method, String query) {
    HttpResponse<byte[]> r = call(method, request(method, query).GET(), HttpResponse.BodyHandlers.ofByteArray());
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new XrpcException(method, r.statusCode(), null, "invalid JSON body: " + e.getMessage(), e);
    }
  }

  private <T> HttpResponse<T> call(String method, HttpRequest.Builder rb, HttpResponse.BodyHandler<T> handler) {
    HttpRequest req = rb.build();
    for (int attempt = 1; ; attempt++) {
      XrpcException failure;
      Duration hint = null;
      try {
        HttpResponse<T> r = http.send(req, handler);
        if (r.statusCode() / 100 == 2) return r;
        failure = errorOf(method, r);
        hint = RetryPolicy.serverHint(r.headers(), clock.instant()).orElse(null);
      } catch (IOException e) {
        failure = new XrpcException(method, 0, null, e.toString(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new XrpcException(method, 0, null, "interrupted", e);
      }
      if (!failure.retryable() || attempt >= retry.maxAttempts()) throw failure;
      Duration wait = retry.backoff(attempt, hint);
      log.debug("{} attempt {} failed ({}); retrying in {}", method, attempt, failure.getMessage(), wait);
      try {
        retry.sleeper().sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure;
      }
    }
  }

  private static <T> XrpcException errorOf(String method, HttpResponse<T> r) {
    byte[] bytes = new byte[0];
    try {
      Object b = r.body();
      if (b instanceof byte[]) bytes = (byte[]) b;
      else if (b instanceof InputStream) {
        try (InputStream in = (InputStream) b) { bytes = in.readNBytes(MAX_ERROR_BODY); }
      }
    } catch (IOException ignored) {
      // the status alone still describes the failure
    }
    String error = null;
    String message = null;
    try {
      if (bytes.length > 0 && bytes.length <= MAX_ERROR_BODY) {
        JsonNode n = JSON.readTree(bytes);
        error = n.path("error").isTextual() ? n.get("error").asText() : null;
        message = n.path("message").isTextual() ? n.get("message").asText() : null;
      }
    } catch (IOException ignored) {
      // non-JSON error bodies (proxies) keep only the status
    }
    return new XrpcException(method, r.statusCode(), error, message, null);
  }

  /** Builder for {@link RelayClient}. */
  public static final class Builder {
    private URI baseUrl;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private RetryPolicy retry = RetryPolicy.defaults();
    private Clock clock = Clock.systemUTC();
    private String userAgent = "atsync";

    private Builder() {}

    /** Relay base URL, e.g. {@code https://bsky.network}; http or https only. */
    public Builder baseUrl(String url) {
      URI u = URI.create(url);
      if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) throw new IllegalArgumentException("baseUrl must be http(s): " + url);
      this.baseUrl = u;
      return this;
    }

    /** TCP connect timeout (default 10 s). */
    public Builder connectTimeout(Duration d) { this.connectTimeout = Objects.requireNonNull(d); return this; }

    /** Per-request timeout until response headers arrive (default 30 s). */
    public Builder requestTimeout(Duration d) { this.requestTimeout = Objects.requireNonNull(d); return this; }

    /** Retry policy (default {@link RetryPolicy#defaults()}). */
    public Builder retryPolicy(RetryPolicy p) { this.retry = Objects.requireNonNull(p); return this; }

    /** Clock used to interpret HTTP-date {@code Retry-After} values. */
    public Builder clock(Clock c) { this.clock = Objects.requireNonNull(c); return this; }

    /** The {@code User-Agent} header of every request (default {@code atsync}); 1 to 256 printable ASCII characters. */
    public Builder userAgent(String agent) {
      this.userAgent = UserAgents.checked(agent);
      return this;
    }

    /** Builds the client. */
    public RelayClient build() {
      if (baseUrl == null) throw new IllegalStateException("baseUrl is required");
      return new RelayClient(this);
    }
  }
}
