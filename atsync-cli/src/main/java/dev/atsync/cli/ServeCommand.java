package dev.atsync.cli;

import dev.atsync.firehose.identity.CachingIdentityResolver;
import dev.atsync.firehose.identity.HttpIdentityResolver;
import dev.atsync.firehose.verify.CommitVerifier;
import dev.atsync.firehose.verify.Policy;
import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.VerifyingCheck;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.InMemoryEventStore;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.jetstream.JetStreamEventStore;
import dev.atsync.inverter.log.jetstream.JetStreamSettings;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import dev.atsync.relay.RelayClient;
import dev.atsync.relay.crawl.CrawlKeeper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code atsync serve}: the firehose inverter. Each option is one field here and one call in
 * {@link #builder}; its {@code ATSYNC_*} variable follows from its name ({@link EnvDefaults}).
 */
@Command(name = "serve", sortOptions = false, showDefaultValues = true, abbreviateSynopsis = true,
    description = {"Run the firehose inverter: PDS instances POST their events (or are followed in pull mode),"
        + " relays subscribe to one ordered, durable subscribeRepos stream."},
    footer = {"", "Every option can also be set in the environment as ATSYNC_<OPTION> (--public-port is"
        + " ATSYNC_PUBLIC_PORT; repeatable options take a comma-separated list); the command line wins."
        + " An ATSYNC_ variable that names no option is an error.",
        "Ingest tokens (16+ characters) come from --ingest-token-file (one per line) or ATSYNC_INGEST_TOKEN"
        + " (comma-separated), never from the command line; with neither, one is generated into"
        + " <data-dir>/ingest-token.",
        "Durations are a number and a unit: 500ms, 30s, 10m, 72h, 7d."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  /** Variables read by the launchers (bin/atsync, the container entrypoint) or the test suite, not options. */
  static final Set<String> OTHER_VARIABLES = Set.of("ATSYNC_INGEST_TOKEN", "ATSYNC_ADMIN_TOKEN", "ATSYNC_JAVA_OPTS", "ATSYNC_JAR",
      "ATSYNC_SECRETS_DIR", "ATSYNC_REQUIRE_SERVICES");

  @ParentCommand
  Atsync root;

  @Spec
  CommandSpec spec;

  /** The event logs {@code --event-log} offers. */
  enum EventLogKind { sqlite, memory, jetstream }

  /** The checks {@code --verify} offers. */
  enum VerifyMode { strict, indigo, lenient, off }

  /** What {@code --future-cursor} does with a cursor ahead of the log. */
  enum FutureCursor { error, live }

  // --- listeners ---
  @Option(names = "--public-host", defaultValue = "0.0.0.0", paramLabel = "ADDR",
      description = "address the subscribeRepos listener binds (relays connect here)")
  String publicHost;

  @Option(names = "--public-port", defaultValue = "2470", paramLabel = "PORT",
      description = "port of the subscribeRepos listener")
  int publicPort;

  @Option(names = "--ingest-host", defaultValue = "127.0.0.1", paramLabel = "ADDR",
      description = "address the ingest listener (POST /events, /health, /metrics) binds")
  String ingestHost;

  @Option(names = "--ingest-port", defaultValue = "2471", paramLabel = "PORT", description = "port of the ingest listener")
  int ingestPort;

  @Option(names = "--ingest-token-file", paramLabel = "FILE",
      description = "file of ingest bearer tokens, one per line (# comments); or ATSYNC_INGEST_TOKEN")
  Path ingestTokenFile;

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "file holding the bearer token of the admin routes (/admin/...) on the ingest listener (its first"
          + " line that is not a # comment); or ATSYNC_ADMIN_TOKEN. Without one the admin routes answer 404")
  Path adminTokenFile;

  // --- the log ---
  @Option(names = "--data-dir", defaultValue = "./data", paramLabel = "DIR",
      description = "directory of the SQLite log and the generated token file")
  Path dataDir;

  @Option(names = "--event-log", defaultValue = "sqlite", paramLabel = "KIND",
      description = "event log: sqlite (durable), jetstream (shared by several nodes) or memory (tests only)")
  EventLogKind eventLog;

  @Option(names = "--seq-floor", defaultValue = "1", paramLabel = "SEQ",
      description = "lowest seq to assign: start above the seq your single PDS reached")
  long seqFloor;

  @Option(names = "--retention-age", defaultValue = "72h", paramLabel = "DURATION", converter = Durations.class,
      description = "backfill window by age (0 = no age limit)")
  Duration retentionAge;

  @Option(names = "--retention-events", defaultValue = "0", paramLabel = "N",
      description = "backfill window by count (0 = no count limit)")
  long retentionEvents;

  @Option(names = "--nats-url", defaultValue = "nats://127.0.0.1:4222", split = ",", paramLabel = "URL",
      description = "--event-log jetstream: NATS server URL (repeatable)")
  List<String> natsUrls;

  @Option(names = "--nats-stream", defaultValue = "atsync", paramLabel = "NAME",
      description = "--event-log jetstream: stream name (the same on every node)")
  String natsStream;

  @Option(names = "--nats-subject", defaultValue = "atsync.events", paramLabel = "PREFIX",
      description = "--event-log jetstream: subject prefix of the stream")
  String natsSubject;

  @Option(names = "--nats-replicas", defaultValue = "1", paramLabel = "N",
      description = "--event-log jetstream: stream replicas (3 for a three-server cluster)")
  int natsReplicas;

  @Option(names = "--nats-dedup-window", defaultValue = "10m", paramLabel = "DURATION", converter = Durations.class,
      description = "--event-log jetstream: how long a retried frame is recognised")
  Duration natsDedupWindow;

  // --- what is stored ---
  @Option(names = "--verify", defaultValue = "strict", paramLabel = "MODE",
      description = "commit verification before storing: strict, indigo (what the Go relay drops), lenient (log"
          + " only) or off")
  VerifyMode verify;

  @Option(names = "--check-signatures", defaultValue = "false", fallbackValue = "true", arity = "0..1",
      paramLabel = "BOOL", description = "also check commit signatures against each account's current key")
  boolean checkSignatures;

  @Option(names = "--plc-url", defaultValue = "https://plc.directory", paramLabel = "URL",
      description = "PLC directory for did:plc keys (with --check-signatures)")
  URI plcUrl;

  @Option(names = "--max-body-bytes", paramLabel = "BYTES", description = "largest POST /events body (default 16 MiB)")
  Long maxBodyBytes;

  @Option(names = "--max-frames-per-request", paramLabel = "N", description = "most frames in one post (default 1000)")
  Integer maxFramesPerRequest;

  // --- pull mode ---
  @Option(names = "--upstream", split = ",", paramLabel = "URL",
      description = "pull mode: a PDS instance's own firehose to follow, on its internal address (ws://pds-1:3000"
          + " or http://pds-1:3000; repeatable)")
  List<URI> upstreams = new ArrayList<>();

  @Option(names = "--reorder-wait", defaultValue = "3s", paramLabel = "DURATION", converter = Durations.class,
      description = "how long a commit waits for its predecessor from another PDS instance")
  Duration reorderWait;

  @Option(names = "--upstream-backoff", paramLabel = "DURATION", converter = Durations.class,
      description = "first reconnect delay for upstreams, doubling up to a minute (default 500ms)")
  Duration upstreamBackoff;

  // --- crawling ---
  @Option(names = "--crawl-relay", split = ",", paramLabel = "URL",
      description = "relay base URL to keep crawling this PDS (repeatable): requestCrawl at start and when no"
          + " relay has been subscribed for a while")
  List<String> crawlRelays = new ArrayList<>();

  @Option(names = "--crawl-hostname", paramLabel = "HOST",
      description = "the PDS's public hostname to give relays in requestCrawl (with --crawl-relay)")
  String crawlHostname;

  // --- subscribers ---
  @Option(names = "--max-subscribers", defaultValue = "1000", paramLabel = "N",
      description = "most concurrent subscribeRepos connections")
  int maxSubscribers;

  @Option(names = "--future-cursor", defaultValue = "error", paramLabel = "MODE",
      description = "cursor ahead of the log: error (FutureCursor, as specified) or live")
  FutureCursor futureCursor;

  @Option(names = "--max-queued-bytes", paramLabel = "BYTES",
      description = "bytes queued on one socket before sending to it pauses (default 4 MiB)")
  Long maxQueuedBytes;

  @Option(names = "--slow-consumer-events", defaultValue = "100000", paramLabel = "N",
      description = "a subscriber this many events behind for --slow-consumer-time is dropped")
  long slowConsumerEvents;

  @Option(names = "--slow-consumer-time", defaultValue = "60s", paramLabel = "DURATION", converter = Durations.class,
      description = "see --slow-consumer-events")
  Duration slowConsumerTime;

  @Option(names = "--write-timeout", paramLabel = "DURATION", converter = Durations.class,
      description = "a socket that does not drain for this long is dropped (default 30s)")
  Duration writeTimeout;

  @Option(names = "--ping-interval", paramLabel = "DURATION", converter = Durations.class,
      description = "WebSocket ping interval (default 30s)")
  Duration pingInterval;

  @Option(names = "--recent-frames", paramLabel = "N",
      description = "events kept encoded in memory for live subscribers (default 10000)")
  Integer recentFrames;

  @Option(names = "--recent-bytes", paramLabel = "BYTES",
      description = "most bytes those events may hold (default 32 MiB)")
  Long recentBytes;

  // --- connection bounds ---
  @Option(names = "--max-header-bytes", paramLabel = "BYTES",
      description = "longest request line and request headers on either listener (default 8 KiB)")
  Integer maxHeaderBytes;

  @Option(names = "--header-timeout", paramLabel = "DURATION", converter = Durations.class,
      description = "how long a request head or WebSocket handshake may take (default 10s)")
  Duration headerTimeout;

  @Option(names = "--body-timeout", paramLabel = "DURATION", converter = Durations.class,
      description = "how long a POST /events body may take after its headers (default 30s)")
  Duration bodyTimeout;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = Durations.class,
      description = "how long an ingest connection may stay open without a request (default 60s)")
  Duration idleTimeout;

  @Option(names = "--max-ingest-connections", paramLabel = "N",
      description = "most open connections on the ingest listener (default 256)")
  Integer maxIngestConnections;

  @Option(names = "--max-public-connections", paramLabel = "N",
      description = "most open connections on the public listener (default --max-subscribers + 128)")
  Integer maxPublicConnections;

  @Option(names = "--max-ingest-bytes-in-flight", paramLabel = "BYTES",
      description = "most request-body bytes the ingest listener holds at once (default 32 MiB)")
  Long maxIngestBytesInFlight;

  @Option(names = "--max-handshake-bytes-in-flight", paramLabel = "BYTES",
      description = "most handshake bytes the public listener holds at once (default 4 MiB)")
  Long maxHandshakeBytesInFlight;

  @Option(names = "--max-backfill-bytes-in-flight", paramLabel = "BYTES",
      description = "most backfill bytes read for subscribers and not yet written (default 64 MiB)")
  Long maxBackfillBytesInFlight;

  @Option(names = "--drain-timeout", defaultValue = "5s", paramLabel = "DURATION", converter = Durations.class,
      description = "how long shutdown waits for in-flight work")
  Duration drainTimeout;

  @Override
  public Integer call() throws Exception {
    checkEnvironment(spec, root.environment);
    CrawlKeeper keeper = crawlKeeper();
    Inverter.Builder b = builder();
    if (keeper != null) {
      b.onSubscriberCountChanged(keeper::onSubscriberCountChanged);
    }
    Inverter inverter;
    try {
      inverter = b.build().start();
    } catch (Exception e) {
      // a port in use or an address not on this host (Netty may throw the BindException undeclared)
      Throwable cause = e instanceof java.io.UncheckedIOException ? e.getCause() : e;
      if (!(cause instanceof java.io.IOException)) {
        throw e;
      }
      throw new CliException("cannot listen on " + publicHost + ":" + publicPort + " and " + ingestHost + ":"
          + ingestPort + ": " + Atsync.describe(cause), e);
    }
    if (keeper != null) {
      keeper.start();
    }
    LOG.info("serving subscribeRepos on {}:{}, ingest on {}:{}", publicHost, inverter.publicPort(), ingestHost,
        ingestPort);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (keeper != null) {
        keeper.close();
      }
      inverter.close();
      stopped.countDown();
    }, "atsync-shutdown"));
    stopped.await();
    return 0;
  }

  /** An {@code ATSYNC_*} variable that names no option (a typo would otherwise be ignored silently). */
  static void checkEnvironment(CommandSpec spec, Map<String, String> environment) {
    Set<String> known = new TreeSet<>(OTHER_VARIABLES);
    for (OptionSpec o : spec.options()) {
      if (!o.usageHelp() && !o.versionHelp()) {
        known.add(EnvDefaults.variable(o));
      }
    }
    for (String name : new TreeSet<>(environment.keySet())) {
      if (name.startsWith("ATSYNC_") && !known.contains(name)) {
        throw new CliException(Atsync.USAGE, "unknown environment variable " + name + " (not an option of atsync"
            + " serve; see 'atsync serve --help')");
      }
    }
  }

  /** The inverter these options describe: one call per option. */
  Inverter.Builder builder() throws IOException {
    Inverter.Builder b = Inverter.builder()
        .publicAddress(new InetSocketAddress(publicHost, publicPort))
        .ingestAddress(new InetSocketAddress(ingestHost, ingestPort))
        .maxSubscribers(maxSubscribers)
        .futureCursorLive(futureCursor == FutureCursor.live)
        .reorderWait(reorderWait)
        .slowConsumer(slowConsumerEvents, slowConsumerTime)
        .drainTimeout(drainTimeout);
    upstreams.forEach(b::upstream);
    set(maxBodyBytes, b::maxBodyBytes);
    set(maxFramesPerRequest, b::maxFramesPerRequest);
    set(upstreamBackoff, b::upstreamBackoff);
    set(maxQueuedBytes, b::maxQueuedBytes);
    set(writeTimeout, b::writeTimeout);
    set(pingInterval, b::pingInterval);
    set(recentFrames, b::recentFrames);
    set(recentBytes, b::recentBytes);
    set(maxHeaderBytes, b::maxHeaderBytes);
    set(headerTimeout, b::headerTimeout);
    set(bodyTimeout, b::bodyTimeout);
    set(idleTimeout, b::idleTimeout);
    set(maxIngestConnections, b::maxIngestConnections);
    set(maxPublicConnections, b::maxPublicConnections);
    set(maxIngestBytesInFlight, b::maxIngestBytesInFlight);
    set(maxHandshakeBytesInFlight, b::maxHandshakeBytesInFlight);
    set(maxBackfillBytesInFlight, b::maxBackfillBytesInFlight);
    b.check(check());
    // last: the data directory and the log are opened only once every other option is accepted
    usableDataDir();
    b.ingestTokens(tokens());
    adminToken().ifPresent(b::adminToken);
    return b.log(eventLog());
  }

  private static <T> void set(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  EventCheck check() {
    Policy policy;
    switch (verify) {
      case off:
        return EventCheck.NONE;
      case indigo:
        policy = Policy.INDIGO_COMPAT;
        break;
      case lenient:
        policy = Policy.LENIENT;
        break;
      default:
        policy = Policy.STRICT;
    }
    CommitVerifier.Builder v = CommitVerifier.builder().withoutChainChecks().withoutSeqCheck().policy(policy);
    if (checkSignatures) {
      v.keys(new CachingIdentityResolver(HttpIdentityResolver.builder().plcDirectory(plcUrl)
          .userAgent(Atsync.Version.userAgent()).build()));
    } else {
      v.unauthenticated();
    }
    return new VerifyingCheck(v.build());
  }

  /** The crawl keeper {@code --crawl-relay} asks for, or {@code null}. */
  CrawlKeeper crawlKeeper() {
    List<String> relays = crawlRelays.stream().map(String::trim).filter(r -> !r.isEmpty()).toList();
    if (relays.isEmpty()) {
      return null;
    }
    if (crawlHostname == null || crawlHostname.isBlank()) {
      throw new CliException(Atsync.USAGE, "--crawl-relay needs --crawl-hostname (the PDS's public hostname)");
    }
    CrawlKeeper.Builder k = CrawlKeeper.builder().hostname(crawlHostname.trim());
    for (String r : relays) {
      k.relay(RelayClient.builder().baseUrl(r).userAgent(Atsync.Version.userAgent()).build());
    }
    return k.build();
  }

  private void usableDataDir() {
    if (eventLog != EventLogKind.sqlite && (ingestTokenFile != null || !envTokens().isEmpty())) {
      return; // nothing is written there
    }
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new CliException(Atsync.USAGE, "--data-dir " + dataDir + " cannot be created: " + Atsync.describe(e));
    }
    if (!Files.isDirectory(dataDir) || !Files.isWritable(dataDir)) {
      throw new CliException(Atsync.USAGE, "--data-dir " + dataDir + " is not a writable directory");
    }
  }

  EventLog eventLog() {
    if (seqFloor < 1) {
      throw new CliException(Atsync.USAGE, "--seq-floor must be at least 1");
    }
    Retention retention = new Retention(retentionAge.isZero() ? Optional.empty() : Optional.of(retentionAge),
        retentionEvents > 0 ? OptionalLong.of(retentionEvents) : OptionalLong.empty());
    switch (eventLog) {
      case memory:
        return EventLog.over(new InMemoryEventStore(seqFloor));
      case jetstream:
        return EventLog.over(JetStreamEventStore.connect(new JetStreamSettings(natsUrls, natsStream, natsSubject,
            natsReplicas, retention.maxAge(), retention.maxEvents(), natsDedupWindow, seqFloor, Duration.ofSeconds(5),
            100_000)));
      default:
        return EventLog.over(SqliteEventStore.open(dataDir, SqliteEventStore.Settings.DEFAULT.withSeqFloor(seqFloor)
            .withRetention(retention)));
    }
  }

  /** The admin token, from --admin-token-file or ATSYNC_ADMIN_TOKEN; never from the command line. */
  Optional<String> adminToken() throws IOException {
    if (adminTokenFile != null) {
      List<String> lines;
      try {
        lines = Files.readAllLines(adminTokenFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new CliException(Atsync.USAGE, "--admin-token-file " + adminTokenFile + " cannot be read: "
            + e.getMessage());
      }
      return Optional.of(lines.stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst()
          .orElseThrow(() -> new CliException(Atsync.USAGE, "--admin-token-file " + adminTokenFile
              + " holds no token")));
    }
    String env = root.environment.getOrDefault("ATSYNC_ADMIN_TOKEN", "").trim();
    return env.isEmpty() ? Optional.empty() : Optional.of(env);
  }

  private List<String> envTokens() {
    String v = root.environment.getOrDefault("ATSYNC_INGEST_TOKEN", "");
    List<String> out = new ArrayList<>();
    for (String t : v.split(",")) {
      if (!t.isBlank()) {
        out.add(t.trim());
      }
    }
    return out;
  }

  /**
   * The configured tokens; when none is configured, one is generated once and kept in
   * {@code <data-dir>/ingest-token} (owner-only), so the default command works and the secret
   * is never printed.
   */
  List<String> tokens() throws IOException {
    List<String> tokens = envTokens();
    if (ingestTokenFile != null) {
      List<String> lines;
      try {
        lines = Files.readAllLines(ingestTokenFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new CliException(Atsync.USAGE, "--ingest-token-file " + ingestTokenFile + " cannot be read: "
            + Atsync.describe(e));
      }
      for (String line : lines) {
        if (!line.isBlank() && !line.trim().startsWith("#")) {
          tokens.add(line.trim());
        }
      }
      if (tokens.isEmpty()) {
        throw new CliException(Atsync.USAGE, "--ingest-token-file " + ingestTokenFile + " holds no token");
      }
    }
    if (!tokens.isEmpty()) {
      return tokens;
    }
    Path generated = dataDir.resolve("ingest-token");
    if (!Files.exists(generated)) {
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

  /**
   * Each option's default from its {@code ATSYNC_*} variable ({@code --public-port} is
   * {@code ATSYNC_PUBLIC_PORT}), else from its annotation.
   */
  static final class EnvDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> environment;

    EnvDefaults(Map<String, String> environment) {
      this.environment = environment;
    }

    static String variable(OptionSpec o) {
      return "ATSYNC_" + o.longestName().replaceFirst("^-+", "").toUpperCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec arg) {
      if (arg instanceof OptionSpec o && !o.usageHelp() && !o.versionHelp()) {
        String v = environment.get(variable(o));
        if (v != null && !v.isBlank()) {
          return v.trim();
        }
      }
      return arg.defaultValue();
    }
  }
}
