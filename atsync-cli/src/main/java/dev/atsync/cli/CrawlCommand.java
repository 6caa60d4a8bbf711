package dev.atsync.cli;

import dev.atsync.relay.RelayClient;
import dev.atsync.relay.RetryPolicy;
import dev.atsync.relay.XrpcException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atsync crawl}: ask relays to crawl a PDS, and show what they know of it. */
@Command(name = "crawl", sortOptions = false, showDefaultValues = true,
    description = {"Ask one or more relays to crawl a PDS (com.atproto.sync.requestCrawl), then show each relay's"
        + " status for that host (com.atproto.sync.getHostStatus). A relay that answers 429 or 5xx is asked again"
        + " after its Retry-After (or a growing backoff), up to --attempts times."},
    footer = {"", "Exit codes: 0 every relay accepted, 1 a relay refused, 2 usage or connection error.",
        "Example:", "  atsync crawl pds.example.com --relay https://bsky.network"})
final class CrawlCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "HOSTNAME", description = "the PDS's public hostname")
  String hostname;

  @Option(names = "--relay", required = true, split = ",", paramLabel = "URL",
      description = "relay base URL (repeatable)")
  List<String> relays;

  @Option(names = "--attempts", defaultValue = "5", paramLabel = "N", description = "tries per relay and request")
  int attempts;

  @Override
  public Integer call() {
    String host;
    try {
      host = RelayClient.validateHostname(hostname);
    } catch (IllegalArgumentException e) {
      throw new CliException(Atsync.USAGE, e.getMessage());
    }
    if (attempts < 1) {
      throw new CliException(Atsync.USAGE, "--attempts must be at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    int refused = 0;
    int unreachable = 0;
    for (String relay : relays) {
      RelayClient client;
      try {
        client = RelayClient.builder().baseUrl(relay.trim()).userAgent(Atsync.Version.userAgent())
            .retryPolicy(RetryPolicy.defaults().withMaxAttempts(attempts)).build();
      } catch (IllegalArgumentException e) {
        throw new CliException(Atsync.USAGE, "--relay " + relay + ": " + e.getMessage());
      }
      try {
        client.requestCrawl(host);
        out.println(relay + ": requestCrawl accepted");
      } catch (XrpcException e) {
        out.println(relay + ": requestCrawl failed: " + e.getMessage());
        if (e.status() == 0 || e.retryable()) {
          unreachable++;
        } else {
          refused++;
        }
        continue;
      }
      try {
        RelayClient.Host h = client.getHostStatus(host);
        out.println(relay + ": host " + h.hostname() + " status " + h.status().orElse("-") + ", seq "
            + h.seq().map(String::valueOf).orElse("-") + ", accounts "
            + h.accountCount().map(String::valueOf).orElse("-"));
      } catch (XrpcException e) {
        out.println(relay + ": host status unavailable: " + e.getMessage());
      }
    }
    return unreachable > 0 ? Atsync.USAGE : refused > 0 ? Atsync.INVALID : 0;
  }
}
