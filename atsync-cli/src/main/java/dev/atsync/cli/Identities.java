package dev.atsync.cli;

import dev.atsync.firehose.identity.CachingIdentityResolver;
import dev.atsync.firehose.identity.HttpIdentityResolver;
import java.net.URI;
import picocli.CommandLine.Option;

/** Identity resolution as the commands use it: did:plc through {@code --plc-url}, did:web over https, cached. */
final class Identities {
  private Identities() {}

  /** The identity options. */
  static final class Options {
    @Option(names = "--plc-url", defaultValue = "https://plc.directory", paramLabel = "URL",
        description = "PLC directory that resolves did:plc")
    URI plcUrl;

    /** A cached resolver (keys refreshed once before a signature is called bad). */
    CachingIdentityResolver keySource() {
      String scheme = plcUrl.getScheme();
      if (!"https".equals(scheme) && !"http".equals(scheme) || plcUrl.getHost() == null) {
        throw new CliException(Atsync.USAGE, "--plc-url must be an http(s) URL, got '" + plcUrl + "'");
      }
      return new CachingIdentityResolver(HttpIdentityResolver.builder().plcDirectory(plcUrl)
          .userAgent(Atsync.Version.userAgent()).build());
    }
  }
}
