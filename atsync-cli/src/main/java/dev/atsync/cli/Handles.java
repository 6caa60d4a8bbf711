package dev.atsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Hashtable;
import java.util.Optional;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.InitialDirContext;

/**
 * Handle to DID, as the atproto handle spec says: the DNS TXT record {@code _atproto.<handle>}
 * ({@code did=<did>}), then {@code https://<handle>/.well-known/atproto-did}; or, when a resolver
 * service is given, its {@code com.atproto.identity.resolveHandle}. Every request has a timeout
 * and a bounded response.
 */
final class Handles {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_BODY = 64 * 1024;

  // HTTP/1.1: a PDS closes a plain-http request that offers an h2c upgrade
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).build();
  private final Optional<URI> service;

  Handles(Optional<URI> service) {
    this.service = service;
  }

  /** The DID {@code handle} names, with where it was found; empty if no method found one. */
  Optional<String[]> resolve(Handle handle) {
    String h = handle.normalized();
    if (service.isPresent()) {
      String base = service.get().toString().replaceAll("/+$", "");
      URI u = URI.create(base + "/xrpc/com.atproto.identity.resolveHandle?handle=" + URLEncoder.encode(h,
          StandardCharsets.UTF_8));
      return get(u).flatMap(body -> {
        try {
          JsonNode n = JSON.readTree(body);
          return n.path("did").isTextual() && Did.isValid(n.get("did").asText())
              ? Optional.of(new String[] {n.get("did").asText(), u.toString()}) : Optional.empty();
        } catch (IOException e) {
          return Optional.empty();
        }
      });
    }
    Optional<String> dns = dns(h);
    if (dns.isPresent()) {
      return Optional.of(new String[] {dns.get(), "DNS TXT _atproto." + h});
    }
    URI wk = URI.create("https://" + h + "/.well-known/atproto-did");
    return get(wk).map(String::trim).filter(Did::isValid).map(d -> new String[] {d, wk.toString()});
  }

  private static Optional<String> dns(String handle) {
    Hashtable<String, String> env = new Hashtable<>();
    env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
    env.put("com.sun.jndi.dns.timeout.initial", "2000");
    env.put("com.sun.jndi.dns.timeout.retries", "2");
    try {
      InitialDirContext ctx = new InitialDirContext(env);
      try {
        Attributes attrs = ctx.getAttributes("_atproto." + handle, new String[] {"TXT"});
        Attribute txt = attrs.get("TXT");
        if (txt == null) {
          return Optional.empty();
        }
        NamingEnumeration<?> values = txt.getAll();
        while (values.hasMore()) {
          String v = String.valueOf(values.next()).replace("\"", "").trim();
          if (v.startsWith("did=") && Did.isValid(v.substring(4))) {
            return Optional.of(v.substring(4));
          }
        }
        return Optional.empty();
      } finally {
        ctx.close();
      }
    } catch (NamingException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private Optional<String> get(URI u) {
    HttpRequest req = HttpRequest.newBuilder(u).timeout(TIMEOUT).header("User-Agent", Atsync.Version.userAgent())
        .GET().build();
    try {
      HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        if (r.statusCode() != 200 || body.length > MAX_BODY) {
          return Optional.empty();
        }
        return Optional.of(new String(body, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The raw DID document, for display (the parsed parts come from the identity resolver). */
  Optional<JsonNode> document(Did did, URI plc) {
    URI u;
    if (did.method().equals("plc")) {
      u = URI.create(plc.toString().replaceAll("/+$", "") + "/" + did.value());
    } else if (did.method().equals("web")) {
      u = URI.create("https://" + java.net.URLDecoder.decode(did.identifier(), StandardCharsets.UTF_8)
          + "/.well-known/did.json");
    } else {
      return Optional.empty();
    }
    return get(u).flatMap(body -> {
      try {
        return Optional.of(JSON.readTree(body));
      } catch (IOException e) {
        return Optional.empty();
      }
    });
  }
}
