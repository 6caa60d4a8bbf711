package dev.atsync.cli;

import java.net.URI;
import java.util.Locale;

/** What a user may give as a stream: {@code wss://host}, {@code https://host} or a full subscribeRepos URL. */
final class StreamUrls {
  static final String PATH = "/xrpc/com.atproto.sync.subscribeRepos";

  private StreamUrls() {}

  /** The full {@code ws(s)://.../xrpc/com.atproto.sync.subscribeRepos} URL for {@code given}. */
  static URI subscribeRepos(String given) {
    URI u;
    try {
      u = URI.create(given.trim());
    } catch (IllegalArgumentException e) {
      throw new CliException(Atsync.USAGE, "'" + given + "' is not a URL");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    String ws = switch (scheme) {
      case "ws", "http" -> "ws";
      case "wss", "https" -> "wss";
      default -> throw new CliException(Atsync.USAGE, "'" + given + "' is not a ws://, wss://, http:// or https:// URL");
    };
    if (u.getHost() == null) {
      throw new CliException(Atsync.USAGE, "'" + given + "' has no host");
    }
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/") ? PATH
        : u.getRawPath();
    return URI.create(ws + "://" + u.getRawAuthority() + path + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
  }
}
