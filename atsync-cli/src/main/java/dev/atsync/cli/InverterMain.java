package dev.atsync.cli;

import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.VerifyingCheck;
import dev.atsync.inverter.log.EventLog;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone inverter: {@code java -jar atproto-inverter-<version>-standalone.jar [options]}.
 * Every option can also be given as an environment variable ({@code --seq-floor} is
 * {@code ATSYNC_SEQ_FLOOR}); a command-line option wins over the environment.
 */
public final class InverterMain {
  private static final Logger LOG = LoggerFactory.getLogger(InverterMain.class);

  /** The options, their defaults and their help, in {@code --help} order. */
  static final Map<String, String[]> OPTIONS = new LinkedHashMap<>();

  static {
    option("public-host", "0.0.0.0", "address the subscribeRepos listener binds (relays connect here)");
    option("public-port", "2470", "port of the subscribeRepos listener");
    option("ingest-host", "127.0.0.1", "address the ingest listener (POST /events, /health, /metrics) binds");
    option("ingest-port", "2471", "port of the ingest listener");
    option("data-dir", "./data", "directory of the embedded SQLite log and the generated token file");
    option("token", "", "ingest bearer token (repeatable; or comma-separated in ATSYNC_TOKEN);"
        + " if none is given one is generated into <data-dir>/ingest-token");
    option("token-file", "", "file holding ingest tokens, one per line");
    option("admin-token", "", "bearer token of the admin routes (/admin/...) on the ingest listener;"
        + " none: they answer 404");
    option("admin-token-file", "", "file holding the admin token (its first line)");
    option("log", "sqlite", "event log: sqlite (durable, default), jetstream (shared by several nodes) or memory"
        + " (tests only)");
    option("nats-url", "nats://127.0.0.1:4222", "--log jetstream: NATS server URL (repeatable; or comma-separated"
        + " in ATSYNC_NATS_URL)");
    option("nats-stream", "atsync", "--log jetstream: JetStream stream name (same on every node)");
    option("nats-subject", "atsync.events", "--log jetstream: subject prefix of the stream");
    option("nats-replicas", "1", "--log jetstream: stream replicas (3 for a three-server cluster)");
    option("nats-dedup-minutes", "10", "--log jetstream: how long a retried frame is recognised");
    option("seq-floor", "1", "lowest seq to assign: start above the seq your single PDS reached");
    option("retention-hours", "72", "backfill window by age, in hours (0 = no age limit)");
    option("retention-events", "0", "backfill window by count (0 = no count limit)");
    option("max-subscribers", "1000", "most concurrent subscribeRepos connections");
    option("future-cursor", "error", "cursor ahead of the log: error (FutureCursor, as specified) or live");
    option("max-body-bytes", "16777216", "largest POST /events body");
    option("verify", "strict", "commit verification before storing: strict, indigo (what the Go relay drops),"
        + " lenient (log only) or off");
    option("crawl-relay", "", "relay base URL to keep crawling this PDS (repeatable; or comma-separated in"
        + " ATSYNC_CRAWL_RELAY): requestCrawl at start and when no relay has been subscribed for a while");
    option("crawl-hostname", "", "the PDS's public hostname to give relays in requestCrawl (with --crawl-relay)");
    option("upstream", "", "pull mode: a PDS instance's own firehose to follow, on its internal address"
        + " (ws://pds-1:3000 or http://pds-1:3000; repeatable; or comma-separated in ATSYNC_UPSTREAM)");
    option("reorder-wait-ms", "3000", "how long a commit waits for its predecessor from another PDS instance");
    option("signatures", "off", "also check commit signatures against each account's current key: on or off");
    option("plc-url", "https://plc.directory", "PLC directory for did:plc keys (with --signatures on)");
  }

  private InverterMain() {}

  private static void option(String name, String def, String help) {
    OPTIONS.put(name, new String[] {def, help});
  }

  /** Runs until SIGTERM/SIGINT, then shuts down gracefully. */
  public static void main(String[] args) throws Exception {
    Map<String, List<String>> opts;
    try {
      opts = parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println("run with --help for the options");
      System.exit(2);
      return;
    }
    if (opts.containsKey("help")) {
      usage(System.out);
      return;
    }
    Inverter inverter;
    dev.atsync.relay.crawl.CrawlKeeper keeper;
    try {
      keeper = crawlKeeper(opts);
      Inverter.Builder b = builder(opts);
      if (keeper != null) {
        b.onSubscriberCountChanged(keeper::onSubscriberCountChanged);
      }
      inverter = b.build().start();
      if (keeper != null) {
        keeper.start();
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (keeper != null) {
        keeper.close();
      }
      inverter.close();
      stopped.countDown();
    }, "atsync-shutdown"));
    stopped.await();
  }

  static void usage(PrintStream out) {
    out.println("atsync firehose inverter: PDS instances POST events; relays subscribe to one stream.");
    out.println();
    out.println("usage: java -jar atproto-inverter-standalone.jar [--option value ...]");
    out.println();
    for (Map.Entry<String, String[]> e : OPTIONS.entrySet()) {
      String env = env(e.getKey());
      String def = e.getValue()[0];
      out.printf("  --%-18s %s%n  %-20s env %s%s%n", e.getKey(), e.getValue()[1], "", env,
          def.isEmpty() ? "" : ", default " + def);
    }
    out.println("  --help               this text");
  }

  static String env(String option) {
    return "ATSYNC_" + option.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** Repeatable options whose environment variable holds a comma-separated list. */
  static final java.util.Set<String> SPLIT = java.util.Set.of("token", "nats-url", "crawl-relay", "upstream");

  /** Flags over environment over defaults; repeatable options collect every value. */
  static Map<String, List<String>> parse(String[] args, Map<String, String> environment) {
    Map<String, List<String>> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        opts.put("help", List.of());
        return opts;
      }
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + name + " needs a value");
        }
        value = args[++i];
      }
      if (!OPTIONS.containsKey(name)) {
        throw new IllegalArgumentException("unknown option --" + name);
      }
      opts.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    for (Map.Entry<String, String[]> e : OPTIONS.entrySet()) {
      if (opts.containsKey(e.getKey())) {
        continue;
      }
      String v = environment.get(env(e.getKey()));
      if (v != null && !v.isEmpty()) {
        opts.put(e.getKey(), SPLIT.contains(e.getKey()) ? List.of(v.split(",")) : List.of(v));
      } else if (!e.getValue()[0].isEmpty()) {
        opts.put(e.getKey(), List.of(e.getValue()[0]));
      }
    }
    return opts;
  }

  static String one(Map<String, List<String>> opts, String name) {
    List<String> v = opts.get(name);
    return v == null || v.isEmpty() ? "" : v.get(v.size() - 1);
  }

  static long number(Map<String, List<String>> opts, String name) {
    try {
      return Long.parseLong(one(opts, name).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a number, got '" + one(opts, name) + "'");
    }
  }

  /** The crawl keeper the {@code --crawl-relay} options ask for, or {@code null}. */
  static dev.atsync.relay.crawl.CrawlKeeper crawlKeeper(Map<String, List<String>> opts) {
    List<String> relays = new ArrayList<>();
    for (String r : opts.getOrDefault("crawl-relay", List.of())) {
      if (!r.isBlank()) {
        relays.add(r.trim());
      }
    }
    if (relays.isEmpty()) {
      return null;
    }
    String host = one(opts, "crawl-hostname");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("--crawl-relay needs --crawl-hostname (the PDS's public hostname)");
    }
    dev.atsync.relay.crawl.CrawlKeeper.Builder b = dev.atsync.relay.crawl.CrawlKeeper.builder().hostname(host);
    relays.forEach(b::relay);
    return b.build();
  }

  static Inverter build(Map<String, List<String>> opts) throws IOException {
    return builder(opts).build();
  }

  static Inverter.Builder builder(Map<String, List<String>> opts) throws IOException {
    Path dataDir = Path.of(one(opts, "data-dir"));
    List<String> tokens = tokens(opts, dataDir);
    EventLog log = LogFactory.open(one(opts, "log"), opts, dataDir);
    String future = one(opts, "future-cursor");
    if (!future.equals("error") && !future.equals("live")) {
      throw new IllegalArgumentException("--future-cursor must be error or live");
    }
    Inverter.Builder b = Inverter.builder();
    String admin = adminToken(opts);
    if (admin != null) {
      b.adminToken(admin);
    }
    for (String u : opts.getOrDefault("upstream", List.of())) {
      if (!u.isBlank()) {
        b.upstream(java.net.URI.create(u.trim()));
      }
    }
    return b
        .reorderWait(Duration.ofMillis(number(opts, "reorder-wait-ms")))
        .log(log)
        .check(check(one(opts, "verify"), keys(opts)))
        .publicAddress(new InetSocketAddress(one(opts, "public-host"), (int) number(opts, "public-port")))
        .ingestAddress(new InetSocketAddress(one(opts, "ingest-host"), (int) number(opts, "ingest-port")))
        .ingestTokens(tokens)
        .maxSubscribers((int) number(opts, "max-subscribers"))
        .futureCursorLive(future.equals("live"))
        .maxBodyBytes(number(opts, "max-body-bytes"))
        .drainTimeout(Duration.ofSeconds(5));
  }

  /** The admin token, from --admin-token (ATSYNC_ADMIN_TOKEN) or the first line of --admin-token-file. */
  static String adminToken(Map<String, List<String>> opts) throws IOException {
    String file = one(opts, "admin-token-file");
    if (!file.isEmpty()) {
      return Files.readAllLines(Path.of(file), StandardCharsets.UTF_8).stream().map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("--admin-token-file " + file + " holds no token"));
    }
    String t = one(opts, "admin-token").trim();
    return t.isEmpty() ? null : t;
  }

  static EventCheck check(String mode, java.util.Optional<dev.atsync.firehose.identity.KeySource> keys) {
    dev.atsync.firehose.verify.Policy policy;
    switch (mode) {
      case "off":
        return EventCheck.NONE;
      case "strict":
        policy = dev.atsync.firehose.verify.Policy.STRICT;
        break;
      case "indigo":
        policy = dev.atsync.firehose.verify.Policy.INDIGO_COMPAT;
        break;
      case "lenient":
        policy = dev.atsync.firehose.verify.Policy.LENIENT;
        break;
      default:
        throw new IllegalArgumentException("--verify must be strict, indigo, lenient or off");
    }
    dev.atsync.firehose.verify.CommitVerifier.Builder b = dev.atsync.firehose.verify.CommitVerifier.builder()
        .withoutChainChecks().withoutSeqCheck().policy(policy);
    return new VerifyingCheck((keys.isPresent() ? b.keys(keys.get()) : b.unauthenticated()).build());
  }

  /** Signing keys from did:plc / did:web resolution (cached, refreshed once on a mismatch), or none. */
  static java.util.Optional<dev.atsync.firehose.identity.KeySource> keys(Map<String, List<String>> opts) {
    String s = one(opts, "signatures");
    if (s.equals("off")) {
      return java.util.Optional.empty();
    }
    if (!s.equals("on")) {
      throw new IllegalArgumentException("--signatures must be on or off");
    }
    return java.util.Optional.of(new dev.atsync.firehose.identity.CachingIdentityResolver(
        dev.atsync.firehose.identity.HttpIdentityResolver.builder().plcDirectory(java.net.URI.create(one(opts, "plc-url")))
            .build()));
  }

  /**
   * The configured tokens; when none is configured, one is generated once and kept in
   * {@code <data-dir>/ingest-token} (owner-only), so the default command works and the secret
   * is never printed.
   */
  static List<String> tokens(Map<String, List<String>> opts, Path dataDir) throws IOException {
    List<String> tokens = new ArrayList<>();
    for (String t : opts.getOrDefault("token", List.of())) {
      if (!t.isBlank()) {
        tokens.add(t.trim());
      }
    }
    String file = one(opts, "token-file");
    if (!file.isEmpty()) {
      for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
        if (!line.isBlank() && !line.startsWith("#")) {
          tokens.add(line.trim());
        }
      }
    }
    if (!tokens.isEmpty()) {
      return tokens;
    }
    Path generated = dataDir.resolve("ingest-token");
    if (!Files.exists(generated)) {
      Files.createDirectories(dataDir);
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      Files.writeString(generated, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
      try {
        Files.setPosixFilePermissions(generated, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system; the directory's permissions apply
      }
      LOG.info("no ingest token configured: generated one into {}", generated.toAbsolutePath().normalize());
    } else {
      LOG.info("no ingest token configured: using {}", generated.toAbsolutePath().normalize());
    }
    return List.of(Files.readString(generated).trim());
  }
}
