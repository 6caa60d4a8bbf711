package dev.atsync.inverter.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The accepted ingest bearer tokens, kept only as SHA-256 digests. Checking compares the
 * digest of the presented token with every accepted digest in constant time, without an early
 * exit, so neither the token's content nor which token matched leaks through timing.
 */
public final class TokenSet {
  private final List<byte[]> digests = new ArrayList<>();

  /** @throws IllegalArgumentException if there is no token or a token is shorter than 16 characters */
  public TokenSet(Collection<String> tokens) {
    this(tokens, "ingest");
  }

  /**
   * @param kind what the tokens are for, in the error messages ({@code "ingest"}, {@code "admin"})
   * @throws IllegalArgumentException if there is no token or a token is shorter than 16 characters
   */
  public TokenSet(Collection<String> tokens, String kind) {
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("at least one " + kind + " token is required");
    }
    for (String t : tokens) {
      if (t.length() < 16) {
        throw new IllegalArgumentException(kind + " tokens must be at least 16 characters");
      }
      digests.add(digest(t));
    }
  }

  /** Whether an {@code Authorization} header value carries an accepted bearer token. */
  public boolean accepts(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] presented = digest(authorization.substring(7).trim());
    boolean ok = false;
    for (byte[] d : digests) {
      ok |= MessageDigest.isEqual(d, presented);
    }
    return ok;
  }

  private static byte[] digest(String token) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE has SHA-256", e);
    }
  }
}
