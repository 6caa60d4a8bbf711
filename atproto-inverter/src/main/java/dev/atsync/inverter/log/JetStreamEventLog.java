package dev.atsync.inverter.log;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.PurgeOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventLog} on one NATS JetStream stream, shared by any number of inverter nodes.
 * The firehose seq is the stream sequence, so every node serves the same seq for the same event.
 *
 * <p>Layout: every account has two subjects, {@code <prefix>.<account>.r} for events with a rev
 * ({@code #commit}, {@code #sync}) and {@code <prefix>.<account>.o} for the others, where
 * {@code <account>} is the DID with every character outside {@code [A-Za-z0-9%-]} escaped as
 * {@code _xx} (hex). Frames are stored exactly as given; the did, type, rev and the appending
 * node are headers. Keeping rev events on their own subject means the per-subject
 * expected-last-sequence check serialises rev events only, and the last message on that subject
 * always carries the account's current rev.
 *
 * <p>Append: every event is published with {@code Nats-Msg-Id} = hex SHA-256 of its frame, so
 * the server answers a retry within the duplicate window with the original seq. Before anything
 * of a batch is published, every rev event is pre-checked against the account's last rev event
 * (read with a last-by-subject get) and the earlier events of the batch, by the rev rule of
 * {@link EventLog} (a {@code #commit} above the head's rev, a {@code #sync} at or above it); an
 * event whose message id is the head's own is a retry of it and answered with its seq first.
 * An event that fails the
 * check may be a retry: a retry of the account's newest event is recognised by the head's own
 * message id (no tail needed, so it works while this node's tail is reconnecting); for an older
 * original the node waits until its tail has passed the account's head and looks
 * the frame's digest up in the message ids it has tailed (the last {@link Settings#recentWindow()}
 * events); failing that, it probes the server with a publish that cannot be stored (an
 * impossible expected-last-subject-sequence), which an unreplicated stream answers as a
 * duplicate with the original seq. A replicated 2.9 stream checks the expectation first, so a
 * retry older than the node's tailed window is answered 409 there. Otherwise nothing is stored
 * and the batch is stale. Rev events are then published with {@code expectedLastSubjectSequence} = the
 * sequence the check read; when another node won the race in between, the account is re-read
 * and the event re-checked (stale, or retried).
 *
 * <p><b>Batch atomicity is weaker than the interface promises.</b> JetStream 2.9 cannot publish
 * several messages atomically. A batch that fails the pre-check stores nothing; but if another
 * node stores a newer rev for an account between the pre-check and this node's publish of a
 * later event of the batch, the events published before it stay stored and the append throws
 * {@link StaleRevException} (the inverter answers 409); a connection failure mid-batch likewise
 * leaves a stored prefix and throws. A retry of the whole batch is deduplicated event by event,
 * so the stored prefix is answered with its original seqs.
 *
 * <p>Durability: an append returns only after JetStream acknowledged every event, which with
 * {@code replicas = 3} means a quorum of servers stored it. Failures (timeouts, no quorum,
 * connection down) throw {@link UncheckedIOException}; nothing unacknowledged is reported as
 * stored. A publish that times out is sent once more with the same message id (a replicated
 * stream drops requests while it elects a leader); if that fails too the append throws, and
 * the event may still have been stored: the client's retry is deduplicated.
 *
 * <p>Each instance tails the whole stream with an ordered push consumer, keeping the last
 * {@link Settings#recentWindow()} events in memory for {@link #readAfter}, tracking
 * {@link #lastSeq()} and firing the append listeners for events appended by other nodes. Reads
 * outside that window use direct gets (next message by subject from a sequence).
 */
public final class JetStreamEventLog implements EventLog {
  private static final Logger LOG = LoggerFactory.getLogger(JetStreamEventLog.class);
  static final String H_DID = "Atsync-Did";
  static final String H_TYPE = "Atsync-Type";
  static final String H_REV = "Atsync-Rev";
  static final String H_NODE = "Atsync-Node";
  /** The NATS deduplication header; atsync sets it to the SHA-256 of the frame. */
  static final String H_MSG_ID = "Nats-Msg-Id";
  private static final int MAX_DID_LENGTH = 2048;
  private static final int MAX_RACE_RETRIES = 1000;
  /** JetStream API error: wrong last sequence (expected-last-subject-sequence mismatch). */
  private static final int ERR_WRONG_LAST_SEQUENCE = 10071;
  /** The same refusal as answered by a clustered (replicated) stream's leader in 2.9. */
  private static final int ERR_EXPECTED_SEQUENCE_MISMATCH = 10077;
  private static final int ERR_NO_MESSAGE = 10037;
  private static final int ERR_STREAM_NOT_FOUND = 10059;

  private final Settings settings;
  private final Connection connection;
  private final JetStream js;
  private final JetStreamManagement jsm;
  private final String node = UUID.randomUUID().toString();
  private final AtomicLong lastSeq = new AtomicLong();
  private final AtomicLong notifiedSeq = new AtomicLong();
  private final ConcurrentNavigableMap<Long, LoggedEvent> recent = new ConcurrentSkipListMap<>();
  private final java.util.concurrent.ConcurrentHashMap<String, Long> byDigest =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final ConcurrentNavigableMap<Long, String> digestBySeq = new ConcurrentSkipListMap<>();
  private final AtomicLong tailSeq = new AtomicLong();
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final Dispatcher dispatcher;
  private volatile JetStreamSubscription tail;
  private final java.util.concurrent.ScheduledExecutorService watchdog;
  private long tailSeenSeq;
  private long tailSeenAt;
  private volatile long oldestCached;
  private volatile boolean closed;

  /**
   * How to reach and shape the stream.
   *
   * @param natsUrls the NATS servers ({@code nats://host:port}); jnats fails over between them
   * @param streamName the JetStream stream
   * @param subjectPrefix the subject prefix; the stream takes {@code <prefix>.>}
   * @param replicas stream replicas (1 for one server, 3 for a cluster)
   * @param maxAge the backfill window by age, enforced by the server
   * @param maxEvents the backfill window by count, enforced by the server
   * @param duplicateWindow how long retried frames are recognised
   * @param seqFloor the first seq of a new, empty stream is at least this
   * @param connectTimeout connect and request timeout
   * @param recentWindow how many recent events each node keeps in memory for reads
   */
  public record Settings(List<String> natsUrls, String streamName, String subjectPrefix, int replicas,
      Optional<Duration> maxAge, OptionalLong maxEvents, Duration duplicateWindow, long seqFloor,
      Duration connectTimeout, int recentWindow) {
    /** Validates and copies. */
    public Settings {
      natsUrls = List.copyOf(natsUrls);
      if (natsUrls.isEmpty()) {
        throw new IllegalArgumentException("at least one NATS url is needed");
      }
      Objects.requireNonNull(streamName, "streamName");
      Objects.requireNonNull(subjectPrefix, "subjectPrefix");
      Objects.requireNonNull(maxAge, "maxAge");
      Objects.requireNonNull(maxEvents, "maxEvents");
      Objects.requireNonNull(duplicateWindow, "duplicateWindow");
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      if (!streamName.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new IllegalArgumentException("stream name must be 1-64 of [A-Za-z0-9_-]: " + streamName);
      }
      if (!subjectPrefix.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*") || subjectPrefix.length() > 200) {
        throw new IllegalArgumentException("subject prefix must be dot-separated [A-Za-z0-9_-] tokens: "
            + subjectPrefix);
      }
      if (replicas < 1 || replicas > 5) {
        throw new IllegalArgumentException("replicas must be 1..5, got " + replicas);
      }
      if (maxAge.isPresent() && (maxAge.get().isNegative() || maxAge.get().isZero())) {
        throw new IllegalArgumentException("maxAge must be positive");
      }
      if (maxEvents.isPresent() && maxEvents.getAsLong() <= 0) {
        throw new IllegalArgumentException("maxEvents must be positive");
      }
      if (duplicateWindow.isNegative() || duplicateWindow.isZero()) {
        throw new IllegalArgumentException("duplicateWindow must be positive");
      }
      if (seqFloor < 1) {
        throw new IllegalArgumentException("seqFloor must be at least 1");
      }
      if (connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive");
      }
      if (recentWindow < 1 || recentWindow > 10_000_000) {
        throw new IllegalArgumentException("recentWindow must be 1..10000000");
      }
    }

    /**
     * One server, stream {@code atsync}, prefix {@code atsync.events}, one replica, no window,
     * ten-minute duplicate window, floor 1, five-second timeout, 100,000 recent events.
     */
    public static Settings of(String natsUrl) {
      return new Settings(List.of(natsUrl), "atsync", "atsync.events", 1, Optional.empty(), OptionalLong.empty(),
          Duration.ofMinutes(10), 1, Duration.ofSeconds(5), 100_000);
    }

    /** A copy with other servers. */
    public Settings withUrls(List<String> urls) {
      return new Settings(urls, streamName, subjectPrefix, replicas, maxAge, maxEvents, duplicateWindow, seqFloor,
          connectTimeout, recentWindow);
    }

    /** A copy with another stream name and subject prefix. */
    public Settings withStream(String name, String prefix) {
      return new Settings(natsUrls, name, prefix, replicas, maxAge, maxEvents, duplicateWindow, seqFloor,
          connectTimeout, recentWindow);
    }

    /** A copy with another replica count. */
    public Settings withReplicas(int r) {
      return new Settings(natsUrls, streamName, subjectPrefix, r, maxAge, maxEvents, duplicateWindow, seqFloor,
          connectTimeout, recentWindow);
    }

    /** A copy with another seq floor. */
    public Settings withSeqFloor(long floor) {
      return new Settings(natsUrls, streamName, subjectPrefix, replicas, maxAge, maxEvents, duplicateWindow, floor,
          connectTimeout, recentWindow);
    }

    /** A copy with another backfill window. */
    public Settings withRetention(Retention retention) {
      return new Settings(natsUrls, streamName, subjectPrefix, replicas, retention.maxAge(), retention.maxEvents(),
          duplicateWindow, seqFloor, connectTimeout, recentWindow);
    }

    /** A copy keeping another number of recent events in memory. */
    public Settings withRecentWindow(int n) {
      return new Settings(natsUrls, streamName, subjectPrefix, replicas, maxAge, maxEvents, duplicateWindow, seqFloor,
          connectTimeout, n);
    }
  }

  /**
   * Connects, creates the stream if it does not exist (applying the seq floor to a new, empty
   * stream), and starts tailing it.
   *
   * @throws UncheckedIOException if the servers cannot be reached or the stream cannot be set up
   */
  public static JetStreamEventLog connect(Settings settings) {
    Options options = new Options.Builder()
        .servers(settings.natsUrls().toArray(new String[0]))
        .connectionTimeout(settings.connectTimeout())
        .maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(250))
        .connectionName("atsync-inverter")
        .build();
    Connection c;
    try {
      c = Nats.connect(options);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to NATS at " + settings.natsUrls(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted while connecting to NATS"));
    }
    try {
      return new JetStreamEventLog(settings, c);
    } catch (RuntimeException e) {
      try {
        c.close();
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
  }

  private JetStreamEventLog(Settings settings, Connection connection) {
    this.settings = settings;
    this.connection = connection;
    try {
      io.nats.client.JetStreamOptions jso = io.nats.client.JetStreamOptions.builder()
          .requestTimeout(settings.connectTimeout()).build();
      this.js = connection.jetStream(jso);
      this.jsm = connection.jetStreamManagement(jso);
      StreamState state = ensureStreamWithRetry().getStreamState();
      lastSeq.set(state.getLastSequence());
      notifiedSeq.set(state.getLastSequence());
      oldestCached = state.getFirstSequence();
      long start = Math.max(state.getFirstSequence(), state.getLastSequence() - settings.recentWindow() + 1);
      dispatcher = connection.createDispatcher();
      tail = subscribeTail(start);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up JetStream stream " + settings.streamName(), e);
    } catch (JetStreamApiException e) {
      throw new UncheckedIOException(new IOException("cannot set up JetStream stream " + settings.streamName()
          + ": " + e.getMessage(), e));
    }
    tailSeenSeq = tailSeq.get();
    tailSeenAt = System.nanoTime();
    watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "atsync-jetstream-watchdog");
      t.setDaemon(true);
      return t;
    });
    watchdog.scheduleWithFixedDelay(this::watchTail, WATCH_MILLIS, WATCH_MILLIS,
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private JetStreamSubscription subscribeTail(long fromSeq) throws IOException, JetStreamApiException {
    ConsumerConfiguration cc = ConsumerConfiguration.builder()
        .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(Math.max(1, fromSeq)).build();
    return js.subscribe(settings.subjectPrefix() + ".>", dispatcher, this::onTail, false,
        PushSubscribeOptions.builder().stream(settings.streamName()).ordered(true).configuration(cc).build());
  }

  /**
   * Keeps this node's view of the stream moving when its tail does not. Other nodes' appends
   * normally arrive through the ordered consumer, which jnats recreates after missed heartbeats;
   * but when the server holding it dies during an election that recreation can fail for good.
   * Every {@value #WATCH_MILLIS} ms this reads the stream's state: its last seq (so
   * {@link #lastSeq()} and the listeners advance regardless, and readers fall back to direct
   * gets) and its oldest seq (so {@link #oldestSeq()} needs no request), and when the tail
   * has stood still behind the stream for {@value #TAIL_STALL_MILLIS} ms it is subscribed anew
   * from the next seq it has not seen.
   */
  private void watchTail() {
    if (closed) {
      return;
    }
    java.util.OptionalLong last = refreshStreamState();
    if (last.isEmpty()) {
      return;
    }
    long serverLast = last.getAsLong();
    notifyUpTo(serverLast);
    long now = System.nanoTime();
    long seen = tailSeq.get();
    if (seen >= serverLast || seen != tailSeenSeq) {
      tailSeenSeq = seen;
      tailSeenAt = now;
      return;
    }
    if (now - tailSeenAt < TAIL_STALL_MILLIS * 1_000_000L) {
      return;
    }
    tailSeenAt = now;
    LOG.warn("tail of stream {} stalled at seq {} (stream at {}); subscribing again", settings.streamName(), seen,
        serverLast);
    unsubscribeQuietly(tail);
    try {
      tail = subscribeTail(seen + 1);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("re-subscribing the tail of stream {} failed (retrying): {}", settings.streamName(), e.toString());
    }
  }

  /**
   * Reads the stream's state once and refreshes both the last seq and the oldest seq from it;
   * empty (the cached values stand) when the server does not answer.
   */
  private java.util.OptionalLong refreshStreamState() {
    StreamState s;
    try {
      s = jsm.getStreamInfo(settings.streamName()).getStreamState();
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.debug("stream state refresh failed: {}", e.toString());
      return java.util.OptionalLong.empty();
    }
    oldestCached = s.getMsgCount() == 0 ? s.getLastSequence() + 1 : s.getFirstSequence();
    advanceLast(s.getLastSequence());
    return java.util.OptionalLong.of(s.getLastSequence());
  }

  /** Drops a tail subscription; one jnats already dropped (a failed reset) is fine. */
  private void unsubscribeQuietly(JetStreamSubscription sub) {
    if (sub == null) {
      return;
    }
    try {
      dispatcher.unsubscribe(sub);
    } catch (RuntimeException e) {
      LOG.debug("tail subscription was already gone: {}", e.toString());
    }
  }

  /** The newest seq this node's tail consumer delivered (tests watch it recover). */
  long tailedSeq() {
    return tailSeq.get();
  }

  /** Drops the tail consumer as a dead server would, without jnats noticing (for tests). */
  void loseTailForTest() {
    dispatcher.unsubscribe(tail);
  }

  private static final long WATCH_MILLIS = 500;
  private static final long TAIL_STALL_MILLIS = 5_000;

  /**
   * Creates or checks the stream, retrying while the cluster has no JetStream leader (a node that
   * starts during a NATS election would otherwise fail): up to six attempts with doubling pauses.
   */
  private StreamInfo ensureStreamWithRetry() throws IOException, JetStreamApiException {
    long pause = 250;
    for (int attempt = 1; ; attempt++) {
      try {
        return ensureStream();
      } catch (IOException e) {
        if (attempt >= 6) {
          throw e;
        }
        LOG.info("JetStream not ready ({}); retrying stream setup in {} ms", e.getMessage(), pause);
        try {
          Thread.sleep(pause);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for JetStream", ie);
        }
        pause *= 2;
      }
    }
  }

  private StreamInfo ensureStream() throws IOException, JetStreamApiException {
    StreamConfiguration.Builder b = StreamConfiguration.builder()
        .name(settings.streamName())
        .subjects(settings.subjectPrefix() + ".>")
        .storageType(StorageType.File)
        .replicas(settings.replicas())
        .duplicateWindow(settings.duplicateWindow())
        .allowDirect(true);
    settings.maxAge().ifPresent(b::maxAge);
    settings.maxEvents().ifPresent(b::maxMessages);
    StreamInfo info;
    try {
      info = jsm.getStreamInfo(settings.streamName());
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != ERR_STREAM_NOT_FOUND) {
        throw e;
      }
      try {
        info = jsm.addStream(b.build());
      } catch (JetStreamApiException createFailed) {
        info = createdByAnotherNode(createFailed);
      }
    }
    info = awaitLeader(info);
    StreamState s = info.getStreamState();
    if (s.getLastSequence() + 1 < settings.seqFloor()) {
      if (s.getMsgCount() != 0) {
        throw new IllegalStateException("stream " + settings.streamName() + " holds events below the seq floor "
            + settings.seqFloor() + " (last seq " + s.getLastSequence() + ")");
      }
      // On an empty stream, purging up to a sequence makes that sequence the next one.
      jsm.purgeStream(settings.streamName(), PurgeOptions.builder().sequence(settings.seqFloor()).build());
      info = jsm.getStreamInfo(settings.streamName());
      if (info.getStreamState().getLastSequence() + 1 < settings.seqFloor()) {
        throw new IllegalStateException("the server did not move stream " + settings.streamName()
            + " to the seq floor " + settings.seqFloor());
      }
    }
    return info;
  }

  /**
   * After a failed create: either another node created the stream first (use it), or the
   * cluster could not create it yet (no metadata leader during start-up), which is retried.
   */
  private StreamInfo createdByAnotherNode(JetStreamApiException createFailed)
      throws IOException, JetStreamApiException {
    try {
      return jsm.getStreamInfo(settings.streamName());
    } catch (JetStreamApiException notThere) {
      if (notThere.getApiErrorCode() == ERR_STREAM_NOT_FOUND) {
        throw new IOException("creating stream " + settings.streamName() + " failed: " + createFailed.getMessage(),
            createFailed);
      }
      throw notThere;
    }
  }

  /** A new replicated stream elects a leader first; until then every publish would time out. */
  private StreamInfo awaitLeader(StreamInfo info) throws IOException, JetStreamApiException {
    long deadline = System.nanoTime() + settings.connectTimeout().toNanos() * 2;
    while (settings.replicas() > 1 && (info.getClusterInfo() == null || info.getClusterInfo().getLeader() == null)) {
      if (System.nanoTime() > deadline) {
        throw new IOException("stream " + settings.streamName() + " has no leader");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for a stream leader", e);
      }
      info = jsm.getStreamInfo(settings.streamName());
    }
    return info;
  }

  /** The subject for an account's events: with a rev or without. */
  static String subject(String prefix, String did, boolean withRev) {
    if (did.isEmpty() || did.length() > MAX_DID_LENGTH) {
      throw new IllegalArgumentException("did must be 1.." + MAX_DID_LENGTH + " characters");
    }
    StringBuilder sb = new StringBuilder(prefix.length() + did.length() + 16).append(prefix).append('.');
    for (int i = 0; i < did.length(); i++) {
      char c = did.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '%') {
        sb.append(c);
      } else if (c < 0x80 && c > 0x20) {
        sb.append('_').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      } else {
        throw new IllegalArgumentException("did has a character outside printable ASCII at index " + i);
      }
    }
    return sb.append(withRev ? ".r" : ".o").toString();
  }

  static String digest(byte[] frame) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(frame);
      StringBuilder sb = new StringBuilder(64);
      for (byte x : d) {
        sb.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * The last rev event of an account: its stream seq (0 if none), rev and message id (the
   * frame's digest; empty for a head this node only plans to append).
   */
  private record Head(long seq, Optional<String> rev, Optional<String> msgId) {}

  private Head head(String did) {
    try {
      MessageInfo mi = jsm.getLastMessage(settings.streamName(), subject(settings.subjectPrefix(), did, true));
      Headers h = mi.getHeaders();
      return new Head(mi.getSeq(), Optional.ofNullable(h == null ? null : h.getFirst(H_REV)),
          Optional.ofNullable(h == null ? null : h.getFirst(H_MSG_ID)));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == ERR_NO_MESSAGE || e.getErrorCode() == 404) {
        return new Head(0, Optional.empty(), Optional.empty());
      }
      throw new UncheckedIOException(new IOException("reading the last rev of " + did + ": " + e.getMessage(), e));
    } catch (IOException e) {
      throw new UncheckedIOException("reading the last rev of " + did, e);
    }
  }

  private Message message(LogEvent e, String subject) {
    Headers h = new Headers();
    h.put(H_DID, e.did());
    h.put(H_TYPE, e.type());
    h.put(H_NODE, node);
    e.rev().ifPresent(r -> h.put(H_REV, r));
    return NatsMessage.builder().subject(subject).headers(h).data(e.frame()).build();
  }

  /**
   * Publishes; empty when the server refused it for a wrong expected last subject sequence. A
   * request that times out is sent once more with the same message id: a replicated stream
   * drops requests while it changes leader, and the id makes the second send store the event at
   * most once. An event that turns out to be stored by the first send is this append's, not a
   * duplicate.
   */
  private Optional<Stored> publish(Message m, PublishOptions po) {
    IOException first;
    try {
      return publishOnce(m, po).map(Stored::of);
    } catch (IOException e) {
      first = e;
    }
    if (!closed) {
      LOG.info("JetStream publish to {} timed out; sending it once more", m.getSubject());
      try {
        return publishOnce(m, po).map(ack -> new Stored(ack.getSeqno(), false));
      } catch (IOException second) {
        first.addSuppressed(second);
      }
    }
    throw new UncheckedIOException("publishing to JetStream failed (the event may or may not be stored; "
        + "a retry is deduplicated)", first);
  }

  /** One publish request; IOException when it went unanswered. */
  private Optional<PublishAck> publishOnce(Message m, PublishOptions po) throws IOException {
    try {
      return Optional.of(js.publish(m, po));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == ERR_WRONG_LAST_SEQUENCE || e.getApiErrorCode() == ERR_EXPECTED_SEQUENCE_MISMATCH) {
        return Optional.empty();
      }
      throw new UncheckedIOException(new IOException("JetStream refused an event of " + m.getSubject() + ": "
          + e.getMessage(), e));
    }
  }

  @Override
  public AppendResult append(List<LogEvent> batch) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    if (closed) {
      throw new IllegalStateException("log is closed");
    }
    int n = batch.size();
    String[] ids = new String[n];
    String[] subjects = new String[n];
    Long[] seqs = new Long[n];
    int duplicates = 0;
    // Pre-check every rev event against the account's head and the batch's earlier events.
    Map<String, Head> heads = new HashMap<>();
    for (int i = 0; i < n; i++) {
      LogEvent e = batch.get(i);
      ids[i] = digest(e.frame());
      subjects[i] = subject(settings.subjectPrefix(), e.did(), e.rev().isPresent());
      if (e.rev().isEmpty()) {
        continue;
      }
      Head h = heads.computeIfAbsent(e.did(), this::head);
      String rev = e.rev().get();
      if (h.msgId().filter(ids[i]::equals).isPresent()) {
        // a retry of the account's newest event (which a #sync of the same rev would not refuse)
        seqs[i] = h.seq();
        duplicates++;
        continue;
      }
      if (h.rev().isPresent() && !RevRule.allows(e.type(), rev, h.rev().get())) {
        Optional<Long> original = findDuplicate(e, subjects[i], ids[i], h);
        if (original.isEmpty()) {
          throw new StaleRevException(e.did(), rev, h.rev().get());
        }
        seqs[i] = original.get();
        duplicates++;
        continue;
      }
      heads.put(e.did(), new Head(h.seq(), Optional.of(rev), Optional.empty()));
    }
    // Publish in order; rev events with the per-subject expectation.
    Map<String, Long> expected = new HashMap<>();
    long maxNew = 0;
    for (int i = 0; i < n; i++) {
      if (seqs[i] != null) {
        continue;
      }
      LogEvent e = batch.get(i);
      Message m = message(e, subjects[i]);
      Stored ack;
      if (e.rev().isEmpty()) {
        ack = publish(m, PublishOptions.builder().messageId(ids[i]).build()).orElseThrow();
      } else {
        ack = publishRev(e, m, ids[i], expected);
      }
      seqs[i] = ack.seq();
      if (ack.duplicate()) {
        duplicates++;
      } else {
        maxNew = Math.max(maxNew, ack.seq());
        if (e.rev().isPresent()) {
          expected.put(e.did(), ack.seq());
        }
      }
    }
    if (maxNew > 0) {
      advanceLast(maxNew);
      notifyUpTo(maxNew);
    }
    List<Long> out = new ArrayList<>(n);
    for (Long s : seqs) {
      out.add(s);
    }
    return new AppendResult(out, duplicates);
  }

  /** Where an event is stored and whether it was there already. */
  private record Stored(long seq, boolean duplicate) {
    static Stored of(PublishAck ack) {
      return new Stored(ack.getSeqno(), ack.isDuplicate());
    }
  }

  private Stored publishRev(LogEvent e, Message m, String id, Map<String, Long> expected) {
    String rev = e.rev().get();
    Long known = expected.get(e.did());
    long expectSeq;
    if (known != null) {
      expectSeq = known;
    } else {
      Head h = head(e.did());
      if (h.rev().isPresent() && !RevRule.allows(e.type(), rev, h.rev().get())) {
        return staleOrDuplicate(e, m.getSubject(), id, h);
      }
      expectSeq = h.seq();
    }
    for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
      Optional<Stored> ack = publish(m,
          PublishOptions.builder().messageId(id).expectedLastSubjectSequence(expectSeq).build());
      if (ack.isPresent()) {
        return ack.get();
      }
      // Another node appended a rev event for this account since we read its head.
      Head h = head(e.did());
      if (h.msgId().filter(id::equals).isPresent()) {
        return new Stored(h.seq(), true); // it was this very event (a concurrent retry)
      }
      if (h.rev().isPresent() && !RevRule.allows(e.type(), rev, h.rev().get())) {
        return staleOrDuplicate(e, m.getSubject(), id, h);
      }
      expectSeq = h.seq();
    }
    throw new UncheckedIOException(new IOException("gave up after " + MAX_RACE_RETRIES
        + " lost races appending to " + e.did()));
  }

  private Stored staleOrDuplicate(LogEvent e, String subject, String id, Head h) {
    Optional<Long> dup = findDuplicate(e, subject, id, h);
    if (dup.isPresent()) {
      return new Stored(dup.get(), true);
    }
    throw new StaleRevException(e.did(), e.rev().get(), h.rev().orElse(""));
  }

  /**
   * Whether a frame that looks stale is a retry of a stored one. A retry of the account's newest
   * event is the head itself (same message id), which needs nothing but the head. An older
   * original is at or below the head, so once the tail has passed the head the node's index of
   * message ids answers; for frames beyond the index the server is probed, which only works on
   * unreplicated streams (a replicated stream's leader checks the expectation before the
   * message id in 2.9, so the probe then answers "not a duplicate").
   */
  private Optional<Long> findDuplicate(LogEvent e, String subject, String id, Head head) {
    if (head.msgId().filter(id::equals).isPresent()) {
      return Optional.of(head.seq());
    }
    long headSeq = head.seq();
    long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
    while (tailSeq.get() < headSeq && System.nanoTime() < deadline && !closed) {
      try {
        Thread.sleep(2);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Long seq = byDigest.get(id);
    if (seq != null) {
      return Optional.of(seq);
    }
    return probe(e, subject, id).map(PublishAck::getSeqno);
  }

  /**
   * Asks the server whether this frame was stored within the duplicate window, without storing
   * it: the expectation can never hold, and the server checks the message id first.
   */
  private Optional<PublishAck> probe(LogEvent e, String subject, String id) {
    Optional<PublishAck> ack;
    try {
      ack = publishOnce(message(e, subject),
          PublishOptions.builder().messageId(id).expectedLastSubjectSequence(Long.MAX_VALUE).build());
    } catch (IOException timeout) {
      throw new UncheckedIOException("asking JetStream whether " + e.did() + " rev " + e.rev().orElse("")
          + " is stored timed out", timeout);
    }
    if (ack.isPresent() && !ack.get().isDuplicate()) {
      throw new IllegalStateException("JetStream stored a probe at seq " + ack.get().getSeqno()
          + " despite an impossible expectation");
    }
    return ack;
  }

  private void advanceLast(long seq) {
    lastSeq.accumulateAndGet(seq, Math::max);
  }

  private void notifyUpTo(long seq) {
    long prev = notifiedSeq.getAndAccumulate(seq, Math::max);
    if (seq > prev) {
      for (LongConsumer l : listeners) {
        try {
          l.accept(seq);
        } catch (RuntimeException ex) {
          LOG.warn("append listener failed", ex);
        }
      }
    }
  }

  private void onTail(Message msg) {
    try {
      long seq = msg.metaData().streamSequence();
      if (seq <= tailSeq.get()) {
        return; // a re-subscribed tail overlapping the old one
      }
      Headers h = msg.getHeaders();
      String did = h == null ? null : h.getFirst(H_DID);
      String type = h == null ? null : h.getFirst(H_TYPE);
      if (did == null || type == null) {
        LOG.warn("stream {} seq {} has no atsync headers; ignored", settings.streamName(), seq);
        tailSeq.accumulateAndGet(seq, Math::max); // seen: the watchdog must not think the tail stalled
        advanceLast(seq);
        return;
      }
      ZonedDateTime t = msg.metaData().timestamp();
      recent.put(seq, new LoggedEvent(seq, did, type, msg.getData(),
          t == null ? System.currentTimeMillis() : t.toInstant().toEpochMilli()));
      String id = h.getFirst(H_MSG_ID);
      if (id != null) {
        byDigest.put(id, seq);
        digestBySeq.put(seq, id);
      }
      while (recent.size() > settings.recentWindow()) {
        recent.pollFirstEntry();
      }
      while (digestBySeq.size() > settings.recentWindow()) {
        Map.Entry<Long, String> old = digestBySeq.pollFirstEntry();
        if (old != null) {
          byDigest.remove(old.getValue(), old.getKey());
        }
      }
      tailSeq.accumulateAndGet(seq, Math::max);
      advanceLast(seq);
      if (!node.equals(h.getFirst(H_NODE))) {
        notifyUpTo(seq);
      }
    } catch (RuntimeException e) {
      LOG.warn("tailing stream {} failed on a message", settings.streamName(), e);
    }
  }

  @Override
  public long lastSeq() {
    return lastSeq.get();
  }

  @Override
  public long oldestSeq() {
    // refreshed by the watchdog, so the fan-out thread never waits on the server here
    return Math.min(oldestCached, lastSeq() + 1);
  }

  @Override
  public List<LoggedEvent> readAfter(long afterSeq, int max) {
    if (max <= 0) {
      return List.of();
    }
    long oldest = oldestSeq();
    long cursor = Math.max(afterSeq, oldest - 1);
    long last = lastSeq();
    List<LoggedEvent> out = new ArrayList<>(Math.min(max, 1024));
    while (out.size() < max && cursor < last) {
      Map.Entry<Long, LoggedEvent> first = recent.firstEntry();
      Map.Entry<Long, LoggedEvent> next = recent.higherEntry(cursor);
      LoggedEvent e;
      if (first != null && first.getKey() <= cursor + 1 && next != null) {
        e = next.getValue();
      } else {
        Optional<LoggedEvent> fetched = fetchNext(cursor + 1);
        if (fetched.isEmpty()) {
          break;
        }
        e = fetched.get();
      }
      out.add(e);
      cursor = e.seq();
    }
    return out;
  }

  private Optional<LoggedEvent> fetchNext(long fromSeq) {
    try {
      MessageInfo mi = jsm.getNextMessage(settings.streamName(), fromSeq, settings.subjectPrefix() + ".>");
      Headers h = mi.getHeaders();
      String did = h == null ? "" : Objects.requireNonNullElse(h.getFirst(H_DID), "");
      String type = h == null ? "" : Objects.requireNonNullElse(h.getFirst(H_TYPE), "");
      ZonedDateTime t = mi.getTime();
      return Optional.of(new LoggedEvent(mi.getSeq(), did, type, mi.getData(),
          t == null ? 0 : t.toInstant().toEpochMilli()));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == ERR_NO_MESSAGE || e.getErrorCode() == 404) {
        return Optional.empty();
      }
      throw new UncheckedIOException(new IOException("reading seq " + fromSeq + ": " + e.getMessage(), e));
    } catch (IOException e) {
      throw new UncheckedIOException("reading seq " + fromSeq, e);
    }
  }

  @Override
  public Optional<String> currentRev(String did) {
    return head(did).rev();
  }

  @Override
  public void addAppendListener(LongConsumer listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Purges events outside the window. The stream's own MaxAge/MaxMsgs already enforce the
   * configured window on the server; this applies another one on demand.
   */
  @Override
  public int prune(Retention retention) {
    long removed = 0;
    try {
      if (retention.maxEvents().isPresent()) {
        removed += jsm.purgeStream(settings.streamName(),
            PurgeOptions.builder().keep(retention.maxEvents().getAsLong()).build()).getPurged();
      }
      if (retention.maxAge().isPresent()) {
        ZonedDateTime cutoff = ZonedDateTime.now(java.time.ZoneOffset.UTC).minus(retention.maxAge().get());
        try {
          MessageInfo firstKept = jsm.getFirstMessage(settings.streamName(), cutoff);
          removed += jsm.purgeStream(settings.streamName(),
              PurgeOptions.builder().sequence(firstKept.getSeq()).build()).getPurged();
        } catch (JetStreamApiException none) {
          if (none.getApiErrorCode() != ERR_NO_MESSAGE && none.getErrorCode() != 404) {
            throw none;
          }
          // nothing younger than the cutoff: everything goes, the sequence carries on
          removed += jsm.purgeStream(settings.streamName()).getPurged();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("pruning stream " + settings.streamName(), e);
    } catch (JetStreamApiException e) {
      throw new UncheckedIOException(new IOException("pruning stream " + settings.streamName() + ": "
          + e.getMessage(), e));
    }
    refreshStreamState();
    long oldest = oldestSeq();
    recent.headMap(oldest).clear();
    return (int) Math.min(Integer.MAX_VALUE, removed);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    watchdog.shutdownNow();
    try {
      unsubscribeQuietly(tail);
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.debug("closing the NATS connection", e);
    }
  }
}
