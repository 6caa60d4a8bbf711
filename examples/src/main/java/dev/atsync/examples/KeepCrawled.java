package dev.atsync.examples;

import dev.atsync.relay.crawl.CrawlKeeper;
import java.io.PrintStream;
import java.util.List;

/**
 * Points a crawl keeper at a list of relays: asks each to crawl the PDS's hostname, checks whether
 * each lists the host, and prints what it found.
 *
 * <pre>java -cp examples/target/atsync-examples.jar dev.atsync.examples.KeepCrawled pds.example.com https://bsky.network ...</pre>
 */
public final class KeepCrawled {
  private KeepCrawled() {}

  /** Runs one round; exit code 0 when every relay accepted the crawl request. */
  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: KeepCrawled <pds hostname> <relay URL>...");
      System.exit(2);
    }
    System.exit(run(args[0], List.of(args).subList(1, args.length), System.out));
  }

  static int run(String hostname, List<String> relays, PrintStream out) {
    CrawlKeeper.Builder b = CrawlKeeper.builder().hostname(hostname);
    relays.forEach(b::relay);
    try (CrawlKeeper keeper = b.build()) {
      keeper.start().join();
      keeper.checkStatusNow().join();
      int ok = 0;
      for (CrawlKeeper.RelayState s : keeper.snapshot()) {
        out.printf("%s: crawl %s, host status %s%n", s.relay(), s.lastResult().orElse("-"),
            s.hostStatus().orElse("unknown"));
        if (s.lastCrawlRequest().isPresent() && s.lastResult().map(r -> r.startsWith("ok")).orElse(false)) {
          ok++;
        }
      }
      return ok == relays.size() ? 0 : 1;
    }
  }
}
