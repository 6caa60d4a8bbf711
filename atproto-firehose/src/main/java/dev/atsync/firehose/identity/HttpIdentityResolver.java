package dev.atsync.firehose.identity;

import dev.atsync.firehose.internal.UserAgents;
import dev.atsync.syntax.Did;
import dev.atsync.firehose.identity.IdentityException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Resolves {@code did:plc} through a PLC directory ({@code GET {base}/{did}}) and {@code did:web}
 * through {@code https://{host}/.well-known/did.json} (a percent-encoded {@code %3A} in the
 * method-specific id becomes the port separator; path-based did:web is rejected, as atproto
 * only supports hostname-level did:web). Uncached: wrap in {@link CachingIdentityResolver}.
 * Every request has a timeout and a bounded response size.
 */
public final class HttpIdentityResolver implements IdentityResolver {
  private final HttpClient http;
  private final URI plcBase;
  private final Duration timeout;
  private final int maxBodyBytes;
  private final boolean webAllowHttp;
  private final String userAgent;

  private HttpIdentityResolver(Builder b) {
    this.userAgent = b.userAgent;
    this.plcBase = b.plcBase;
    this.timeout = b.timeout;
    this.maxBodyBytes = b.maxBodyBytes;
    this.webAllowHttp = b.webAllowHttp;
    this.http = HttpClient.newBuilder().connectTimeout(b.timeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** @return a builder with defaults: plc.directory, 10 s timeout, 64 KB body limit, https only */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Identity resolve(Did did) {
    Objects.requireNonNull(did, "did");
    if (did.method().equals("plc")) {
      String id = did.identifier();
      if (!id.matches("[a-z2-7]{24}")) {
        throw new IdentityException(Kind.UNSUPPORTED_DID, did, "malformed did:plc identifier");
      }
      String base = plcBase.toString();
      return DidDocuments.parse(did, fetch(did, URI.create((base.endsWith("/") ? base : base + "/") + did)));
    }
    if (did.method().equals("web")) {
      return DidDocuments.parse(did, fetch(did, webUri(did)));
    }
    throw new IdentityException(Kind.UNSUPPORTED_DID, did, "only did:plc and did:web are supported");
  }

  URI webUri(Did did) {
    String msid = did.identifier();
    if (msid.isEmpty() || msid.contains(":") || msid.length() > 253) {
      throw new IdentityException(Kind.UNSUPPORTED_DID, did, "did:web must be a bare hostname (optionally %3A port)");
    }
    String hostPort = URLDecoder.decode(msid, StandardCharsets.UTF_8);
    if (!hostPort.matches("[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
      throw new IdentityException(Kind.UNSUPPORTED_DID, did, "did:web host is not a hostname: " + hostPort);
    }
    String scheme = webAllowHttp ? "http" : "https";
    return URI.create(scheme + "://" + hostPort + "/.well-known/did.json");
  }

  private byte[] fetch(Did did, URI uri) {
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Accept", "application/did+ld+json, application/json").header("User-Agent", userAgent).GET().build();
    HttpResponse<InputStream> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new IdentityException(Kind.HTTP_ERROR, did, "GET " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IdentityException(Kind.HTTP_ERROR, did, "interrupted during GET " + uri, e);
    }
    try (InputStream in = resp.body()) {
      int status = resp.statusCode();
      if (status == 404 || status == 410) {
        throw new IdentityException(Kind.NOT_FOUND, did, "GET " + uri + " returned " + status);
      }
      if (status != 200) {
        throw new IdentityException(Kind.HTTP_ERROR, did, "GET " + uri + " returned " + status);
      }
      byte[] body = in.readNBytes(maxBodyBytes + 1);
      if (body.length > maxBodyBytes) {
        throw new IdentityException(Kind.HTTP_ERROR, did, "DID document from " + uri + " exceeds " + maxBodyBytes + " bytes");
      }
      return body;
    } catch (IOException e) {
      throw new IdentityException(Kind.HTTP_ERROR, did, "reading " + uri + " failed: " + e, e);
    }
  }

  /** Configures an {@link HttpIdentityResolver}. */
  public static final class Builder {
    private URI plcBase = URI.create("https://plc.directory");
    private Duration timeout = Duration.ofSeconds(10);
    private int maxBodyBytes = 64 * 1024;
    private boolean webAllowHttp;
    private String userAgent = "atsync";

    private Builder() {}

    /** @param base the PLC directory base URL */
    public Builder plcDirectory(URI base) {
      this.plcBase = Objects.requireNonNull(base);
      return this;
    }

    /** @param t connect and request timeout */
    public Builder timeout(Duration t) {
      if (t.isNegative() || t.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = t;
      return this;
    }

    /** @param n the largest accepted DID document, in bytes */
    public Builder maxBodyBytes(int n) {
      if (n < 1 || n > 16 * 1024 * 1024) {
        throw new IllegalArgumentException("maxBodyBytes out of range: " + n);
      }
      this.maxBodyBytes = n;
      return this;
    }

    /** @param allow fetch did:web documents over plain http (tests only) */
    public Builder webAllowHttp(boolean allow) {
      this.webAllowHttp = allow;
      return this;
    }

    /**
     * @param agent the {@code User-Agent} header of every request (default {@code atsync})
     * @return this builder
     * @throws IllegalArgumentException if it is empty, longer than 256 or not printable ASCII
     */
    public Builder userAgent(String agent) {
      this.userAgent = UserAgents.checked(agent);
      return this;
    }

    /** @return the resolver */
    public HttpIdentityResolver build() {
      return new HttpIdentityResolver(this);
    }
  }
}
