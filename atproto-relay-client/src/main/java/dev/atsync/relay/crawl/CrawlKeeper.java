package dev.atsync.relay.crawl;

import dev.atsync.relay.RelayClient;
import dev.atsync.relay.XrpcException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests crawls of one hostname from several relays and watches whether they list it.
 *
 * <p>Crawls are requested by {@link #start()}, {@link #onOutageRecovered()}, and when
 * {@link #onSubscriberCountChanged(int)} reports 0 subscribers for {@code idleBeforeRecrawl}
 * (repeated every such period while it stays 0). A relay is asked at most once per
 * {@code minInterval}; requests inside that window are skipped. Every {@code statusInterval} each
 * relay is asked {@code getHostStatus}; when that method fails with something other than
 * {@code HostNotFound} (older relays), up to {@code maxListPages} pages of {@code listHosts} are
 * searched instead. All work runs on the keeper's single scheduler thread.
 */
public final class CrawlKeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CrawlKeeper.class);

  /**
   * What the keeper knows about one relay.
   *
   * @param relay relay base URL
   * @param lastCrawlRequest when a crawl was last requested (successfully or not)
   * @param lastResult "ok" or the error of the last crawl request
   * @param hostStatus the host's status at the relay ("active", "not-listed", ...), when checked
   * @param lastStatusCheck when the status was last checked
   */
  public record RelayState(String relay, Optional<Instant> lastCrawlRequest, Optional<String> lastResult,
      Optional<String> hostStatus, Optional<Instant> lastStatusCheck) {}

  private final String hostname;
  private final List<RelayClient> relays;
  private final Duration minInterval;
  private final Duration idleBeforeRecrawl;
  private final Duration statusInterval;
  private final int maxListPages;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Map<String, RelayState> states = new LinkedHashMap<>();
  private int subscribers = -1;
  private long generation;

  private CrawlKeeper(Builder b) {
    this.hostname = b.hostname;
    this.relays = List.copyOf(b.relays);
    this.minInterval = b.minInterval;
    this.idleBeforeRecrawl = b.idleBeforeRecrawl;
    this.statusInterval = b.statusInterval;
    this.maxListPages = b.maxListPages;
    this.clock = b.clock;
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "crawl-keeper");
      t.setDaemon(true);
      return t;
    });
    ex.setRemoveOnCancelPolicy(true);
    this.scheduler = ex;
    for (RelayClient r : relays) {
      states.put(r.baseUrl().toString(), new RelayState(r.baseUrl().toString(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
    }
  }

  /** Starts a builder; hostname and at least one relay are required. */
  public static Builder builder() { return new Builder(); }

  /** Requests crawls from every relay and schedules the periodic status check. */
  public CompletableFuture<Void> start() {
    scheduler.scheduleWithFixedDelay(this::checkStatuses, statusInterval.toMillis(), statusInterval.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.runAsync(() -> requestAll("start"), scheduler);
  }

  /** The host is back after an outage: request crawls (subject to the per-relay rate limit). */
  public CompletableFuture<Void> onOutageRecovered() {
    return CompletableFuture.runAsync(() -> requestAll("outage recovered"), scheduler);
  }

  /** Reports how many relays subscribe now; 0 for {@code idleBeforeRecrawl} triggers crawl requests. */
  public void onSubscriberCountChanged(int count) {
    if (count < 0) throw new IllegalArgumentException("count must be >= 0");
    scheduler.execute(() -> {
      generation++;
      subscribers = count;
      if (count == 0) scheduleIdleCheck(generation);
    });
  }

  private void scheduleIdleCheck(long gen) {
    scheduler.schedule(() -> {
      if (gen != generation || subscribers != 0) return;
      requestAll("no subscribers for " + idleBeforeRecrawl);
      scheduleIdleCheck(gen);
    }, idleBeforeRecrawl.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Checks each relay's view of the host now (also runs periodically). */
  public CompletableFuture<Void> checkStatusNow() {
    return CompletableFuture.runAsync(this::checkStatuses, scheduler);
  }

  /** A snapshot of every relay's state, in configuration order. */
  public List<RelayState> snapshot() {
    synchronized (states) {
      return List.copyOf(new ArrayList<>(states.values()));
    }
  }

  private RelayState state(RelayClient r) {
    synchronized (states) {
      return states.get(r.baseUrl().toString());
    }
  }

  private void put(RelayState s) {
    synchronized (states) {
      states.put(s.relay(), s);
    }
  }

  private void requestAll(String reason) {
    Instant now = clock.instant();
    for (RelayClient r : relays) {
      RelayState s = state(r);
      if (s.lastCrawlRequest().isPresent() && Duration.between(s.lastCrawlRequest().get(), now).compareTo(minInterval) < 0) {
        log.debug("skipping requestCrawl to {} ({}): rate limited", r.baseUrl(), reason);
        continue;
      }
      String result;
      try {
        r.requestCrawl(hostname);
        result = "ok";
        log.info("requested crawl of {} from {} ({})", hostname, r.baseUrl(), reason);
      } catch (RuntimeException e) {
        result = e.getMessage();
        log.warn("requestCrawl of {} from {} failed ({}): {}", hostname, r.baseUrl(), reason, e.getMessage());
      }
      put(new RelayState(s.relay(), Optional.of(now), Optional.of(result), s.hostStatus(), s.lastStatusCheck()));
    }
  }

  private void checkStatuses() {
    for (RelayClient r : relays) {
      String status;
      try {
        status = r.getHostStatus(hostname).status().orElse("listed");
      } catch (XrpcException e) {
        if (e.error().filter("HostNotFound"::equals).isPresent()) status = "not-listed";
        else status = viaListHosts(r);
      } catch (RuntimeException e) {
        status = "unknown: " + e.getMessage();
      }
      if ("active".equals(status)) log.debug("{} lists {} as active", r.baseUrl(), hostname);
      else log.warn("{} reports {} as {}", r.baseUrl(), hostname, status);
      RelayState s = state(r);
      put(new RelayState(s.relay(), s.lastCrawlRequest(), s.lastResult(), Optional.of(status), Optional.of(clock.instant())));
    }
  }

  private String viaListHosts(RelayClient r) {
    try {
      Optional<String> cursor = Optional.empty();
      for (int page = 0; page < maxListPages; page++) {
        RelayClient.HostPage p = r.listHosts(cursor, 1000);
        for (Iterator<RelayClient.Host> it = p.hosts().iterator(); it.hasNext();) {
          RelayClient.Host h = it.next();
          if (h.hostname().equalsIgnoreCase(hostname)) return h.status().orElse("listed");
        }
        if (p.cursor().isEmpty() || p.cursor().equals(cursor)) return "not-listed";
        cursor = p.cursor();
      }
      return "unknown: not found in " + maxListPages + " pages";
    } catch (RuntimeException e) {
      return "unknown: " + e.getMessage();
    }
  }

  /** Stops the scheduler; pending checks and crawl requests are dropped. */
  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  /** Builder for {@link CrawlKeeper}. */
  public static final class Builder {
    private String hostname;
    private final List<RelayClient> relays = new ArrayList<>();
    private Duration minInterval = Duration.ofMinutes(10);
    private Duration idleBeforeRecrawl = Duration.ofMinutes(15);
    private Duration statusInterval = Duration.ofMinutes(30);
    private int maxListPages = 50;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The PDS hostname (bare; validated). */
    public Builder hostname(String h) { this.hostname = RelayClient.validateHostname(h); return this; }

    /** Adds a relay client. */
    public Builder relay(RelayClient r) { relays.add(Objects.requireNonNull(r)); return this; }

    /** Adds a relay by base URL with default client settings. */
    public Builder relay(String baseUrl) { return relay(RelayClient.builder().baseUrl(baseUrl).build()); }

    /** Minimum time between crawl requests to one relay (default 10 min). */
    public Builder minInterval(Duration d) { this.minInterval = positive(d); return this; }

    /** How long 0 subscribers must last before crawls are requested (default 15 min). */
    public Builder idleBeforeRecrawl(Duration d) { this.idleBeforeRecrawl = positive(d); return this; }

    /** Period of host status checks (default 30 min). */
    public Builder statusInterval(Duration d) { this.statusInterval = positive(d); return this; }

    /** Most listHosts pages searched in the fallback (default 50). */
    public Builder maxListPages(int n) {
      if (n < 1) throw new IllegalArgumentException("maxListPages must be >= 1");
      this.maxListPages = n;
      return this;
    }

    /** Clock for the rate limit and the snapshot times. */
    public Builder clock(Clock c) { this.clock = Objects.requireNonNull(c); return this; }

    /** Builds the keeper (not started). */
    public CrawlKeeper build() {
      if (hostname == null || relays.isEmpty()) throw new IllegalStateException("hostname and at least one relay are required");
      return new CrawlKeeper(this);
    }

    private static Duration positive(Duration d) {
      if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException("duration must be positive");
      return d;
    }
  }
}
