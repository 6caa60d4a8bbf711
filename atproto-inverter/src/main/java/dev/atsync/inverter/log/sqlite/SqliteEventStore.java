package dev.atsync.inverter.log.sqlite;

import dev.atsync.inverter.internal.DigestIndex;
import dev.atsync.inverter.log.CorruptLogException;
import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.FrameDigest;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded durable {@link EventStore}: one SQLite file ({@code events.db} under the data
 * directory) in WAL mode with {@code synchronous=FULL}, so an acknowledged append survives a
 * process kill and a power loss.
 *
 * <p><b>Group commit.</b> One thread writes at a time, and it is an appending thread: the one
 * that finds the write lock free takes every append waiting (up to {@value #MAX_GROUP}) and
 * commits them in one transaction, so concurrent posts share one sync, and then hands the lock
 * to the owner of the next waiting append (leader/follower). An append to an idle store is
 * committed on its own thread, with no hand-off to a writer thread and back. Each append is still
 * all-or-nothing: its expected heads are checked against the state left by the appends before it
 * in the group, and a conflicting append is answered alone without touching the others. A storage
 * error fails every append of the group and stores none of them.
 *
 * <p><b>Deduplication.</b> Each event is stored with its frame digest; an index in memory
 * ({@link Settings#dedupMaxEvents()} newest events within {@link Settings#dedupWindow()}, about 56
 * bytes each) answers whether a frame is a retry, and is rebuilt from the file at open. (A table
 * keyed by digest cost a random b-tree page, so a WAL page, per event and held the log to a third
 * of the disk's rate.)
 *
 * <p><b>Recovery.</b> After a storage error (a full disk, an I/O error) the store does not trust
 * its connection or its in-memory state: before the next write it rolls back whatever is left,
 * puts the connection back into transaction mode (opening a new one if it must), and re-reads the
 * last seq, the oldest seq and every account's head from the file. So a failed append never
 * leaves a partly committed batch behind it, and an append answered with an error stored nothing.
 *
 * <p><b>Health.</b> {@link #status()} is {@code UNAVAILABLE} from a failed write until a recovery
 * (with a write probe) succeeds, which a housekeeping thread retries every second while idle, so
 * the store is writable again without waiting for traffic once space is freed or a lock released;
 * {@code CORRUPT} once SQLite reports damage (at open, a time-bounded {@code PRAGMA quick_check}
 * and a read of the newest events look for it), after which appends are refused and reads of the
 * damaged range throw {@link CorruptLogException}; {@code FAILED} after an {@link Error} while writing. Each
 * change is logged once, with its cause. A {@code events.db-wal} deleted while the store is open
 * is noticed within a second: its content is checkpointed into {@code events.db} through the
 * connections that still hold it, and the connections are reopened, so no acknowledged event
 * depends on a file that is gone.
 *
 * <p><b>Heads.</b> A commit writes the events and nothing else: each row carries the event's
 * rev and frame digest. The accounts table (each account's head, for the rev rule after a
 * restart) is brought up to date about once a second, with a commit or on its own while idle,
 * and before pruning, together with the seq it reflects ({@code heads_seq}); at open the events
 * after that seq bring the heads up to date. (An account's head written with every commit cost a
 * random b-tree page per account per commit.)
 *
 * <p><b>Sequence.</b> The last seq is the newest event's, or the high-water mark stored with the
 * heads and before every prune, whichever is higher, so seqs are never reused, even after the
 * whole window is pruned or the process restarts; the first seq is at least the configured floor.
 *
 * <p><b>Window.</b> A background task prunes by age and/or count every {@code pruneInterval},
 * in small transactions under the write lock, and forgets deduplication digests older than the
 * deduplication window.
 */
public final class SqliteEventStore implements EventStore {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteEventStore.class);
  private static final int MAX_GROUP = 512;
  private static final int PRUNE_CHUNK = 5000;
  /** Newest events kept in memory for reads right behind the end: a few commit groups' worth. */
  private static final int RECENT_EVENTS = 1024;
  private static final long RECENT_BYTES = 4L << 20;
  private static final long RECOVERY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long WAL_CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long HOUSEKEEPING_INTERVAL_MILLIS = 100;
  /** How often the accounts table is brought up to date (with a commit, or on its own while idle). */
  private static final long HEADS_WRITE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Longest wait between looks at the lock while another thread commits (a wake-up is expected sooner). */
  private static final long WAIT_BOUND_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** How long the integrity check at open may take before it is cut short. */
  private static final long QUICK_CHECK_MILLIS = 3_000;
  /** The newest events read at open, to find damage where new events go. */
  private static final int TAIL_CHECK_EVENTS = 1_000;
  private static final int SQLITE_CORRUPT = 11;
  /** How often the checkpointer copies the WAL into the database file. */
  private static final long CHECKPOINT_INTERVAL_MILLIS = 100;
  /**
   * WAL pages after which a commit checkpoints by itself (SQLite's automatic checkpoint): only
   * reached if the checkpointer falls behind, so the WAL stays bounded (about 64 MiB).
   */
  private static final int WAL_PAGES_LIMIT = 16_384;
  private static final int SQLITE_NOTADB = 26;

  /**
   * Settings of the SQLite store.
   *
   * @param seqFloor lowest seq to assign (at least 1)
   * @param retention the backfill window
   * @param dedupWindow how long an event's content is remembered for retries
   * @param pruneInterval how often the window is enforced
   * @param dedupMaxEvents most events remembered for retries (the newest; about 56 bytes of
   *     heap each)
   */
  public record Settings(long seqFloor, Retention retention, Duration dedupWindow, Duration pruneInterval,
      int dedupMaxEvents) {
    /** Events remembered for retries unless set: a minute at 16,000 events/s, about 56 MB at most. */
    public static final int DEFAULT_DEDUP_MAX_EVENTS = 1_000_000;

    /**
     * Seq from 1, 72 hours of backfill, 10 minutes of deduplication (at most a million events),
     * pruning every 10 seconds.
     */
    public static final Settings DEFAULT =
        new Settings(1, Retention.ofAge(Duration.ofHours(72)), Duration.ofMinutes(10), Duration.ofSeconds(10));

    /** Validates. */
    public Settings {
      if (seqFloor < 1) {
        throw new IllegalArgumentException("seq floor must be at least 1");
      }
      if (dedupMaxEvents < 1) {
        throw new IllegalArgumentException("dedup max events must be at least 1");
      }
    }

    /** Settings that remember up to {@value #DEFAULT_DEDUP_MAX_EVENTS} events for retries. */
    public Settings(long seqFloor, Retention retention, Duration dedupWindow, Duration pruneInterval) {
      this(seqFloor, retention, dedupWindow, pruneInterval, DEFAULT_DEDUP_MAX_EVENTS);
    }

    /** These settings with another seq floor. */
    public Settings withSeqFloor(long floor) {
      return new Settings(floor, retention, dedupWindow, pruneInterval, dedupMaxEvents);
    }

    /** These settings with another backfill window. */
    public Settings withRetention(Retention r) {
      return new Settings(seqFloor, r, dedupWindow, pruneInterval, dedupMaxEvents);
    }

    /** These settings remembering at most {@code max} events for retries. */
    public Settings withDedupMaxEvents(int max) {
      return new Settings(seqFloor, retention, dedupWindow, pruneInterval, max);
    }
  }

  private final Path file;
  private final UnaryOperator<Connection> hook;
  private final Settings settings;
  private final Clock clock;
  private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
  /** Held by the one thread writing: an appending thread (see {@link #submit}), or the housekeeper. */
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ScheduledExecutorService housekeeper;
  private final ScheduledExecutorService pruner;
  private final ScheduledExecutorService checkpointer;
  /** Guards {@link #checkpointConnection}, which the WAL healing closes while it reopens the file. */
  private final Object checkpointLock = new Object();
  private Connection checkpointConnection;
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final Map<Did, Head> heads = new ConcurrentHashMap<>();
  /** Heads changed since the accounts table was last written (under the write lock). */
  private final Map<Did, Head> unwrittenHeads = new HashMap<>();
  /** The seq up to which the accounts table holds the heads (under the write lock). */
  private long headsWrittenSeq;
  /** When the accounts table was last written ({@link System#nanoTime()}; written under the write lock). */
  private volatile long headsWrittenAt = System.nanoTime();
  private volatile long headsWriteIntervalNanos = HEADS_WRITE_INTERVAL_NANOS;
  /** The deduplication window: digests of the events stored within it, from the file at open. */
  private final DigestIndex dedup;
  private final Map<String, Long> cursors = new ConcurrentHashMap<>();
  /** The newest committed events, which answer the fan-out's reads right behind the end. */
  private final RecentEvents recent = new RecentEvents(RECENT_EVENTS, RECENT_BYTES);
  /** Guards {@link #reader}, which is replaced when the WAL file must be reopened. */
  private final Object readLock = new Object();
  private Connection reader;
  private Connection writer;
  // written under the write lock; read by the housekeeper before it takes the lock
  private volatile boolean needsRecovery;
  private volatile long lastRecoveryAttempt;
  private volatile long lastWalCheck;
  /** Set under the write lock once the connections are closed. */
  private boolean storeClosed;
  private final Object statusLock = new Object();
  private volatile Status status = Status.OK;
  private long unavailableSince;
  private volatile long lastSeq;
  private volatile long oldestSeq;
  private volatile boolean closed;
  private final AtomicLong groups = new AtomicLong();
  private final AtomicLong appends = new AtomicLong();
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong conflicts = new AtomicLong();
  private final AtomicLong largestGroup = new AtomicLong();
  private final AtomicLong readsFromMemory = new AtomicLong();
  private volatile long lastCommitMicros;

  private SqliteEventStore(Path file, Settings settings, Clock clock, UnaryOperator<Connection> hook)
      throws SQLException {
    this.file = file;
    this.settings = settings;
    this.clock = clock;
    this.hook = hook;
    this.dedup = new DigestIndex(settings.dedupMaxEvents());
    this.writer = openWriter();
    String damage = null;
    try {
      createSchema();
      writer.commit();
      reloadState();
      loadDedupIndex();
    } catch (SQLException e) {
      if (!isCorruption(e)) {
        throw e;
      }
      // damaged, yet a database: open anyway, read-only in effect, so what can be read is served
      damage = e.getMessage();
      try {
        writer.rollback();
      } catch (SQLException ignored) {
        // nothing to roll back
      }
      reloadStateLeniently();
    }
    this.reader = openReader();
    if (damage != null) {
      corrupt("at open: " + damage, null);
    } else {
      checkIntegrity();
    }
    this.housekeeper = every("atsync-sqlite-housekeeper", this::housekeep, HOUSEKEEPING_INTERVAL_MILLIS);
    this.pruner = every("atsync-sqlite-pruner", this::pruneQuietly, settings.pruneInterval().toMillis());
    this.checkpointer = every("atsync-sqlite-checkpointer", this::checkpoint, CHECKPOINT_INTERVAL_MILLIS);
  }

  /** A daemon thread of its own running {@code task} every {@code millis} (with a fixed delay). */
  private static ScheduledExecutorService every(String threadName, Runnable task, long millis) {
    ScheduledExecutorService s = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    s.scheduleWithFixedDelay(task, millis, millis, TimeUnit.MILLISECONDS);
    return s;
  }

  private void createSchema() throws SQLException {
    try (Statement s = writer.createStatement()) {
      // each event carries its frame digest, written with it (sequential pages): the
      // deduplication index is kept in memory and rebuilt from here at open
      s.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, did TEXT NOT NULL, type TEXT NOT NULL,"
          + " frame BLOB NOT NULL, received_at INTEGER NOT NULL, digest BLOB, rev TEXT)");
      s.execute("CREATE TABLE IF NOT EXISTS accounts (did TEXT PRIMARY KEY, rev TEXT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS upstreams (name TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
      // files written before heads carried their seq and digest get the two columns
      Set<String> accountColumns = columns(s, "accounts");
      if (!accountColumns.contains("seq")) {
        s.execute("ALTER TABLE accounts ADD COLUMN seq INTEGER NOT NULL DEFAULT 0");
      }
      if (!accountColumns.contains("digest")) {
        s.execute("ALTER TABLE accounts ADD COLUMN digest BLOB");
      }
      // files written before the digest moved into the events table: their events get the
      // column (empty: the digest of such an event is computed from its frame when the index is
      // rebuilt), and the table keyed by digest, whose random page writes cost a WAL page per
      // event, goes
      Set<String> eventColumns = columns(s, "events");
      if (!eventColumns.contains("digest")) {
        s.execute("ALTER TABLE events ADD COLUMN digest BLOB");
      }
      s.execute("DROP TABLE IF EXISTS dedup");
      // the accounts table is written about once a second, not with every commit: it holds the
      // heads as of the seq in 'heads_seq', and the events after it (each with its rev) bring
      // them up to date at open. A file written before kept it current at every commit
      if (!eventColumns.contains("rev")) {
        s.execute("ALTER TABLE events ADD COLUMN rev TEXT");
      }
      s.execute("INSERT OR IGNORE INTO meta (key, value) SELECT 'heads_seq', MAX(COALESCE((SELECT value FROM meta"
          + " WHERE key = 'last_seq'), 0), COALESCE((SELECT MAX(seq) FROM events), 0))");
    }
  }

  /**
   * An event row's frame digest: the stored one, or for an event stored before digests were kept
   * beside it (its column is empty), hashed from the frame in column {@code frameColumn}, which
   * the query selects only for such rows.
   */
  private static FrameDigest storedDigest(byte[] digest, ResultSet rs, int frameColumn) throws SQLException {
    return digest != null ? FrameDigest.fromBytes(digest) : FrameDigest.of(rs.getBytes(frameColumn));
  }

  private static Set<String> columns(Statement s, String table) throws SQLException {
    Set<String> columns = new HashSet<>();
    try (ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (rs.next()) {
        columns.add(rs.getString("name"));
      }
    }
    return columns;
  }

  /**
   * Fills the deduplication index from the newest events received within the window (at most
   * its capacity), newest first until one is older; an event stored before digests were kept
   * beside it is hashed from its frame.
   */
  private void loadDedupIndex() throws SQLException {
    long notBefore = clock.millis() - settings.dedupWindow().toMillis();
    int max = settings.dedupMaxEvents();
    List<FrameDigest> digests = new ArrayList<>();
    List<long[]> stored = new ArrayList<>();
    try (Statement s = writer.createStatement();
        ResultSet rs = s.executeQuery("SELECT seq, received_at, digest, CASE WHEN digest IS NULL THEN frame END"
            + " FROM events ORDER BY seq DESC")) {
      while (rs.next() && digests.size() < max) {
        long at = rs.getLong(2);
        if (at < notBefore) {
          break;
        }
        digests.add(storedDigest(rs.getBytes(3), rs, 4));
        stored.add(new long[] {rs.getLong(1), at});
      }
    }
    writer.commit();
    for (int i = digests.size() - 1; i >= 0; i--) {
      dedup.add(digests.get(i), stored.get(i)[0], stored.get(i)[1]);
    }
  }

  /** The state as far as a damaged file lets it be read (each part on its own). */
  private void reloadStateLeniently() {
    long stored = 0;
    long maxEvent = 0;
    long min = -1;
    try {
      stored = queryLong(writer, "SELECT value FROM meta WHERE key = 'last_seq'", 0);
    } catch (SQLException e) {
      LOG.debug("last seq unreadable: {}", e.toString());
    }
    try {
      maxEvent = queryLong(writer, "SELECT MAX(seq) FROM events", 0);
      min = queryLong(writer, "SELECT MIN(seq) FROM events", -1);
    } catch (SQLException e) {
      LOG.debug("seq range unreadable: {}", e.toString());
    }
    long last = Math.max(Math.max(stored, maxEvent), settings.seqFloor() - 1);
    recent.reset(last);
    lastSeq = last;
    oldestSeq = min < 0 ? last + 1 : min;
    try {
      writer.commit();
    } catch (SQLException e) {
      LOG.debug("ending the read: {}", e.toString());
    }
  }

  private Connection openReader() throws SQLException {
    Connection c = hook.apply(DriverManager.getConnection("jdbc:sqlite:" + file));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout=5000");
    }
    return c;
  }

  /**
   * At open: {@code PRAGMA quick_check}, cut short after {@value #QUICK_CHECK_MILLIS} ms on a
   * large file, and a full read of the newest events, where new appends and live readers go.
   * Damage found marks the store corrupt; it still opens, so what can be read is served and the
   * operator sees the state (not ready, one log line).
   */
  private void checkIntegrity() {
    List<String> problems = new ArrayList<>();
    try (Statement st = reader.createStatement()) {
      Thread canceller = new Thread(() -> {
        try {
          Thread.sleep(QUICK_CHECK_MILLIS);
          st.cancel();
        } catch (InterruptedException | SQLException e) {
          // done in time, or nothing to cancel
        }
      }, "atsync-sqlite-check");
      canceller.setDaemon(true);
      canceller.start();
      try (ResultSet rs = st.executeQuery("PRAGMA quick_check(5)")) {
        while (rs.next()) {
          String row = rs.getString(1);
          if (!"ok".equals(row)) {
            problems.add(row);
          }
        }
      } catch (SQLException e) {
        if (isCorruption(e)) {
          problems.add(e.getMessage());
        } else {
          LOG.info("integrity check of {} cut short after {} ms ({}); the newest events are checked",
              file, QUICK_CHECK_MILLIS, e.getMessage());
        }
      } finally {
        canceller.interrupt();
      }
    } catch (SQLException e) {
      problems.add(e.getMessage());
    }
    try (PreparedStatement p = reader.prepareStatement(
        "SELECT seq, did, type, frame, received_at FROM events ORDER BY seq DESC LIMIT ?")) {
      p.setInt(1, TAIL_CHECK_EVENTS);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          rs.getBytes(4);
        }
      }
    } catch (SQLException e) {
      problems.add(e.getMessage());
    }
    if (!problems.isEmpty()) {
      corrupt("at open: " + String.join("; ", problems), null);
    }
  }

  private Connection openWriter() throws SQLException {
    Connection c = hook.apply(DriverManager.getConnection("jdbc:sqlite:" + file));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
      // checkpoints run on their own thread (see checkpoint()), not inside a commit an append waits for
      s.execute("PRAGMA wal_autocheckpoint=" + WAL_PAGES_LIMIT);
    }
    c.setAutoCommit(false);
    return c;
  }

  /**
   * Opens (creating if needed) {@code events.db} under {@code dataDir}.
   *
   * @throws UncheckedIOException if the directory cannot be created
   * @throws EventLogException if the database cannot be opened
   */
  public static SqliteEventStore open(Path dataDir, Settings settings) {
    return open(dataDir, settings, Clock.systemUTC());
  }

  /** As {@link #open(Path, Settings)} with a clock for receive times, windows and tests. */
  public static SqliteEventStore open(Path dataDir, Settings settings, Clock clock) {
    return open(dataDir, settings, clock, c -> c);
  }

  /** For tests: every connection the store opens is first given to {@code hook} (to inject storage faults). */
  static SqliteEventStore open(Path dataDir, Settings settings, Clock clock, UnaryOperator<Connection> hook) {
    try {
      Files.createDirectories(dataDir);
      return new SqliteEventStore(dataDir.resolve("events.db"), settings, clock, hook);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir, e);
    } catch (SQLException e) {
      throw new EventLogException("cannot open event log in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** Reads the last seq, the oldest seq and every account's head from the file (under the write lock, or in the constructor). */
  private void reloadState() throws SQLException {
    long stored = queryLong(writer, "SELECT value FROM meta WHERE key = 'last_seq'", 0);
    long maxEvent = queryLong(writer, "SELECT MAX(seq) FROM events", 0);
    long last = Math.max(Math.max(stored, maxEvent), settings.seqFloor() - 1);
    long min = queryLong(writer, "SELECT MIN(seq) FROM events", -1);
    Map<Did, Head> read = new HashMap<>();
    try (Statement s = writer.createStatement();
        ResultSet rs = s.executeQuery("SELECT did, rev, seq, digest FROM accounts")) {
      while (rs.next()) {
        byte[] digest = rs.getBytes(4);
        read.put(Did.parse(rs.getString(1)), new Head(rs.getLong(3), Tid.parse(rs.getString(2)),
            digest == null ? Optional.empty() : Optional.of(FrameDigest.fromBytes(digest))));
      }
    }
    // the heads the accounts table does not have yet: from the events stored after its last write
    long headsSeq = queryLong(writer, "SELECT value FROM meta WHERE key = 'heads_seq'", 0);
    Map<Did, Head> replayed = new HashMap<>();
    try (PreparedStatement p = writer.prepareStatement("SELECT seq, did, rev, digest, CASE WHEN digest IS NULL"
        + " THEN frame END FROM events WHERE seq > ? AND rev IS NOT NULL ORDER BY seq")) {
      p.setLong(1, headsSeq);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          replayed.put(Did.parse(rs.getString(2)), new Head(rs.getLong(1), Tid.parse(rs.getString(3)),
              Optional.of(storedDigest(rs.getBytes(4), rs, 5))));
        }
      }
    }
    read.putAll(replayed);
    Map<String, Long> readCursors = new HashMap<>();
    try (Statement s = writer.createStatement(); ResultSet rs = s.executeQuery("SELECT name, seq FROM upstreams")) {
      while (rs.next()) {
        readCursors.put(rs.getString(1), rs.getLong(2));
      }
    }
    writer.commit();
    heads.keySet().retainAll(read.keySet());
    heads.putAll(read);
    unwrittenHeads.clear();
    unwrittenHeads.putAll(replayed);
    headsWrittenSeq = headsSeq;
    cursors.keySet().retainAll(readCursors.keySet());
    cursors.putAll(readCursors);
    recent.reset(last);
    lastSeq = last;
    oldestSeq = min < 0 ? last + 1 : min;
  }

  // ---- appends: one writer, group commit ----

  /**
   * The writer's prepared statements, prepared once per writer connection instead of once per
   * group (a new connection after a recovery gets new ones). Under the write lock only.
   */
  private static final class Statements {
    final Connection connection;
    final PreparedStatement insert;
    final PreparedStatement account;
    final PreparedStatement cursor;
    final PreparedStatement meta;

    Statements(Connection c) throws SQLException {
      connection = c;
      insert = c.prepareStatement(
          "INSERT INTO events (seq, did, type, frame, received_at, digest, rev) VALUES (?, ?, ?, ?, ?, ?, ?)");
      account = c.prepareStatement("INSERT OR REPLACE INTO accounts (did, rev, seq, digest) VALUES (?, ?, ?, ?)");
      cursor = c.prepareStatement("INSERT OR REPLACE INTO upstreams (name, seq) VALUES (?, ?)");
      meta = c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    }

    void close() {
      for (PreparedStatement p : new PreparedStatement[] {insert, account, cursor, meta}) {
        try {
          p.close();
        } catch (SQLException | RuntimeException e) {
          // the connection is being replaced anyway
        }
      }
    }
  }

  private Statements statements;

  private Statements statements() throws SQLException {
    if (statements != null && statements.connection == writer) {
      return statements;
    }
    if (statements != null) {
      statements.close();
    }
    statements = null;
    Statements fresh = new Statements(writer);
    statements = fresh;
    return fresh;
  }

  private abstract static class Task {
    final CompletableFuture<Object> done = new CompletableFuture<>();
    /** The thread waiting for this task: woken when it is done, or when it may commit next. */
    final Thread owner = Thread.currentThread();
  }

  private static final class AppendTask extends Task {
    final List<Entry> entries;
    final Map<Did, Long> expected;
    final Optional<UpstreamPosition> position;

    AppendTask(List<Entry> entries, Map<Did, Long> expected, Optional<UpstreamPosition> position) {
      this.entries = List.copyOf(entries);
      this.expected = Map.copyOf(expected);
      this.position = position;
    }
  }

  private static final class PruneTask extends Task {
    final Retention retention;

    PruneTask(Retention retention) {
      this.retention = retention;
    }
  }

  @Override
  public Outcome append(List<Entry> entries, Map<Did, Long> expectedHeads, Optional<UpstreamPosition> position) {
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("nothing to append");
    }
    return (Outcome) submit(new AppendTask(entries, expectedHeads, position));
  }

  @Override
  public OptionalLong upstreamCursor(String upstream) {
    Long seq = cursors.get(upstream);
    return seq == null ? OptionalLong.empty() : OptionalLong.of(seq);
  }

  @Override
  public void saveUpstreamCursor(UpstreamPosition position) {
    // an append of nothing, so the cursor is written under the write lock like every change
    submit(new AppendTask(List.of(), Map.of(), Optional.of(position)));
  }

  /**
   * Queues the task and waits for it, committing on this thread whenever the write lock is free
   * (leader/follower group commit): the thread that finds the lock free takes every task queued
   * (its own and those of threads that arrived while the previous group was syncing), commits
   * them as one group, answers them, and hands the lock on by waking the owner of the next queued
   * task. An append to an idle store so costs its commit and no thread hand-off; under load,
   * appends share syncs as they did with one writer thread.
   */
  private Object submit(Task t) {
    if (closed) {
      throw new EventLogException("event log is closed");
    }
    if (status.condition() == Status.Condition.FAILED) {
      throw new EventLogException("event log cannot write: " + status.detail());
    }
    queue.add(t);
    while (!t.done.isDone()) {
      if (writeLock.tryLock()) {
        try {
          writeQueued();
        } finally {
          writeLock.unlock();
        }
        // a task queued while this thread held the lock has an owner asleep: it commits next
        Task next = queue.peek();
        if (next != null) {
          LockSupport.unpark(next.owner);
        }
      } else if (!t.done.isDone()) {
        // woken when the task is done or the lock is handed on; the bound only guards a lost wake-up
        LockSupport.parkNanos(this, WAIT_BOUND_NANOS);
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw new EventLogException("interrupted while waiting for the log (the append may still be stored)");
        }
      }
    }
    try {
      return t.done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EventLogException("interrupted while waiting for the log", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof EventLogException r) {
        throw r;
      }
      throw new EventLogException("event log failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Under the write lock: takes a prune task, or up to {@value #MAX_GROUP} queued appends, and
   * runs them; their owners are answered and woken. An {@link Error} fails the store for good
   * (nothing it leaves half done is trusted) and every queued task with it.
   */
  private void writeQueued() {
    try {
      if (storeClosed) {
        Task t;
        while ((t = queue.poll()) != null) {
          answer(t, null, new EventLogException("event log is closed"));
        }
        return;
      }
      Task first = queue.poll();
      if (first == null) {
        return;
      }
      if (first instanceof PruneTask p) {
        prune(p);
        LockSupport.unpark(p.owner);
        return;
      }
      List<AppendTask> group = new ArrayList<>();
      group.add((AppendTask) first);
      while (group.size() < MAX_GROUP && queue.peek() instanceof AppendTask) {
        group.add((AppendTask) queue.poll());
      }
      try {
        commitGroup(group);
      } catch (RuntimeException e) {
        // a bug, not a storage error: answer the group rather than leave its owners waiting
        LOG.error("event log write failed", e);
        fail(group, e);
      }
      for (AppendTask a : group) {
        LockSupport.unpark(a.owner);
      }
    } catch (Error e) {
      failed("a write failed: " + e, e);
      Task t;
      while ((t = queue.poll()) != null) {
        answer(t, null, new EventLogException("event log cannot write: " + e, e));
      }
      throw e;
    }
  }

  private static void answer(Task t, Object result, Throwable failure) {
    if (failure == null) {
      t.done.complete(result);
    } else {
      t.done.completeExceptionally(failure);
    }
    LockSupport.unpark(t.owner);
  }

  /**
   * On the housekeeping thread, every {@value #HOUSEKEEPING_INTERVAL_MILLIS} ms: while idle,
   * retries a recovery every second; once a second checks the WAL file is still there.
   */
  private void housekeep() {
    long now = System.nanoTime();
    boolean recoveryDue = needsRecovery && status.condition() == Status.Condition.UNAVAILABLE
        && now - lastRecoveryAttempt > RECOVERY_INTERVAL_NANOS;
    boolean walCheckDue = now - lastWalCheck >= WAL_CHECK_INTERVAL_NANOS;
    boolean headsDue = now - headsWrittenAt >= headsWriteIntervalNanos;
    if (closed || !(recoveryDue || walCheckDue || headsDue) || !writeLock.tryLock()) {
      return; // a thread holding the lock is writing: not idle, and it will answer for itself
    }
    try {
      if (!storeClosed) {
        checkWal();
        idle();
        if (System.nanoTime() - headsWrittenAt >= headsWriteIntervalNanos) {
          writeHeadsNow();
        }
      }
    } catch (Error e) {
      failed("the housekeeping thread failed: " + e, e);
      throw e;
    } finally {
      writeLock.unlock();
    }
    Task next = queue.peek();
    if (next != null) {
      LockSupport.unpark(next.owner);
    }
  }

  /** While idle: retry a recovery every second. Under the write lock. */
  private void idle() {
    long now = System.nanoTime();
    if (closed) {
      return;
    }
    if (needsRecovery && status.condition() == Status.Condition.UNAVAILABLE
        && now - lastRecoveryAttempt > RECOVERY_INTERVAL_NANOS) {
      try {
        recover();
      } catch (SQLException e) {
        LOG.debug("event log still cannot write: {}", e.toString());
      }
    }
  }

  /** At most once a second, between groups or while idle: is the WAL file still there? */
  private void checkWal() {
    long now = System.nanoTime();
    if (closed || now - lastWalCheck < WAL_CHECK_INTERVAL_NANOS) {
      return;
    }
    lastWalCheck = now;
    Path wal = file.resolveSibling(file.getFileName() + "-wal");
    if (!Files.exists(wal) && Files.exists(file) && status.condition() != Status.Condition.CORRUPT) {
      healDeletedWal(wal);
    }
  }

  /**
   * The WAL file was deleted while open: the connections still hold it, and the events in it
   * would be lost with the process. Checkpoint it into the database file through them, then
   * reopen both connections (a new WAL file is created).
   */
  private void healDeletedWal(Path wal) {
    LOG.warn("{} was deleted while the event log had it open: checkpointing it into {} and reopening", wal, file);
    synchronized (readLock) {
      synchronized (checkpointLock) {
        healDeletedWalLocked();
      }
    }
  }

  private void healDeletedWalLocked() {
    if (checkpointConnection != null) {
      closeQuietly(checkpointConnection); // it holds the deleted file too; reopened on the next tick
      checkpointConnection = null;
    }
    try {
      writer.commit();
      writer.setAutoCommit(true);
      try (Statement st = writer.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(FULL)")) {
        if (rs.next() && rs.getInt(1) != 0) {
          throw new SQLException("checkpoint was blocked");
        }
      }
      closeQuietly(reader);
      closeQuietly(writer);
      writer = openWriter();
      reader = openReader();
      reloadState();
      LOG.info("event log reopened with a new WAL file at seq {}", lastSeq);
    } catch (SQLException e) {
      LOG.warn("checkpointing the deleted WAL failed (retrying): {}", e.toString());
      needsRecovery = true;
      unavailable(e);
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      // replaced anyway
    }
  }

  /**
   * Makes the writer trustworthy again after a storage error: the connection is replaced (its
   * transaction state after a failure, for instance SQLite's own rollback on a full disk, which
   * leaves it in autocommit mode, is not to be trusted), the state is re-read from the file, and
   * a small write proves the file takes writes again before the store says so.
   */
  private void recover() throws SQLException {
    lastRecoveryAttempt = System.nanoTime();
    try {
      writer.rollback();
    } catch (SQLException e) {
      LOG.debug("rollback after a failed write: {}", e.toString());
    }
    closeQuietly(writer);
    writer = openWriter();
    reloadState();
    try (PreparedStatement probe = writer.prepareStatement(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('write_probe', ?)")) {
      probe.setLong(1, clock.millis());
      probe.executeUpdate();
    }
    writer.commit();
    needsRecovery = false;
    recovered();
  }

  /**
   * On the checkpointer thread: copies committed WAL frames into the database file (a passive
   * checkpoint, which never blocks the writer or readers), so commits, which appends wait for,
   * do not do it themselves every thousand pages. Crash safety is SQLite's: a checkpoint only
   * copies what is already durable in the WAL.
   */
  private void checkpoint() {
    if (closed || status.condition() == Status.Condition.CORRUPT) {
      return;
    }
    synchronized (checkpointLock) {
      try {
        if (checkpointConnection == null) {
          checkpointConnection = openWriterless();
        }
        try (Statement st = checkpointConnection.createStatement();
            ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
          rs.next();
        }
      } catch (SQLException | RuntimeException e) {
        // the writer notices and reports what is wrong with the file; this connection starts over
        LOG.debug("checkpoint failed: {}", e.toString());
        if (checkpointConnection != null) {
          closeQuietly(checkpointConnection);
          checkpointConnection = null;
        }
      }
    }
  }

  /** A connection for checkpoints: WAL mode and full sync are properties of the file and of this connection. */
  private Connection openWriterless() throws SQLException {
    Connection c = hook.apply(DriverManager.getConnection("jdbc:sqlite:" + file));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
      s.execute("PRAGMA wal_autocheckpoint=0");
    }
    return c;
  }

  // ---- health: one log line per change ----

  @Override
  public Status status() {
    return status;
  }

  static boolean isCorruption(SQLException e) {
    int code = e.getErrorCode() & 0xff;
    String m = String.valueOf(e.getMessage());
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB || m.contains("SQLITE_CORRUPT")
        || m.contains("SQLITE_NOTADB");
  }

  private void unavailable(Exception cause) {
    synchronized (statusLock) {
      if (status.condition() != Status.Condition.OK) {
        return;
      }
      unavailableSince = System.nanoTime();
      status = Status.of(Status.Condition.UNAVAILABLE, "cannot write " + file + ": " + cause.getMessage());
    }
    LOG.warn("event log cannot write (appends are refused until it can; retrying every second): {}",
        cause.toString());
  }

  private void recovered() {
    long down;
    synchronized (statusLock) {
      if (status.condition() != Status.Condition.UNAVAILABLE) {
        return;
      }
      status = Status.OK;
      down = (System.nanoTime() - unavailableSince) / 1_000_000;
    }
    LOG.info("event log writes again after {} ms: last seq {}, {} accounts", down, lastSeq, heads.size());
  }

  /** Marks the store corrupt (once) and returns the exception for the caller to throw. */
  private CorruptLogException corrupt(String what, SQLException cause) {
    boolean first;
    synchronized (statusLock) {
      first = status.condition() != Status.Condition.CORRUPT && status.condition() != Status.Condition.FAILED;
      if (first) {
        status = Status.of(Status.Condition.CORRUPT, file + " is corrupt: " + what);
      }
    }
    if (first) {
      LOG.error("event log {} is corrupt ({}): appends are refused and the damaged range cannot be served;"
          + " restore the file from a copy (see the inverter README, \"Corruption\")", file, what);
    }
    return new CorruptLogException("event log " + file + " is corrupt: " + what, cause);
  }

  private void failed(String what, Throwable cause) {
    synchronized (statusLock) {
      status = Status.of(Status.Condition.FAILED, what);
    }
    LOG.error("event log failed for good: {}", what, cause);
  }

  private void commitGroup(List<AppendTask> group) {
    long start = System.nanoTime();
    if (status.condition() == Status.Condition.CORRUPT) {
      EventLogException refused = new EventLogException("event log cannot write: " + status.detail());
      for (Task t : group) {
        t.done.completeExceptionally(refused);
      }
      return;
    }
    try {
      if (needsRecovery) {
        recover();
      }
    } catch (SQLException e) {
      fail(group, e);
      return;
    }
    long now = clock.millis();
    // about once a second a commit also brings the accounts table up to date
    boolean writeHeads = System.nanoTime() - headsWrittenAt >= headsWriteIntervalNanos;
    long seq = lastSeq;
    Map<Did, Head> groupHeads = new HashMap<>();
    Map<String, Long> groupCursors = new HashMap<>();
    // in seq order: the index takes them in arrival order once committed
    Map<FrameDigest, Long> groupDigests = new LinkedHashMap<>();
    List<Outcome> outcomes = new ArrayList<>(group.size());
    List<LoggedEvent> committed = new ArrayList<>();
    int written = 0;
    int dupsInGroup = 0;
    int appended = 0;
    try {
      Statements st = statements();
      PreparedStatement insert = st.insert;
      PreparedStatement cursor = st.cursor;
      // a group that failed may have left rows batched: they were never stored
      insert.clearBatch();
      cursor.clearBatch();
      long dedupCutoff = now - settings.dedupWindow().toMillis();
      for (AppendTask a : group) {
        Set<Did> moved = new HashSet<>();
        a.expected.forEach((did, want) -> {
          Head h = groupHeads.containsKey(did) ? groupHeads.get(did) : heads.get(did);
          if ((h == null ? 0L : h.seq()) != want) {
            moved.add(did);
          }
        });
        if (!moved.isEmpty()) {
          conflicts.incrementAndGet();
          outcomes.add(new Conflict(moved));
          continue;
        }
        List<Long> seqs = new ArrayList<>(a.entries.size());
        List<Boolean> dups = new ArrayList<>(a.entries.size());
        for (Entry entry : a.entries) {
          Long prior = groupDigests.get(entry.digest());
          if (prior == null) {
            long stored = dedup.find(entry.digest(), dedupCutoff);
            prior = stored < 0 ? null : stored;
          }
          if (prior != null) {
            seqs.add(prior);
            dups.add(true);
            dupsInGroup++;
            continue;
          }
          LogEvent e = entry.event();
          seq++;
          insert.setLong(1, seq);
          insert.setString(2, e.did().toString());
          insert.setString(3, e.type());
          byte[] frame = e.frame();
          insert.setBytes(4, frame);
          insert.setLong(5, now);
          insert.setBytes(6, entry.digest().toBytes());
          insert.setString(7, e.rev().map(Tid::toString).orElse(null));
          insert.addBatch();
          committed.add(new LoggedEvent(seq, e.did(), e.type(), frame, now));
          groupDigests.put(entry.digest(), seq);
          if (e.rev().isPresent()) {
            groupHeads.put(e.did(), new Head(seq, e.rev().get(), Optional.of(entry.digest())));
          }
          seqs.add(seq);
          dups.add(false);
          written++;
        }
        a.position.ifPresent(p -> groupCursors.put(p.upstream(), p.seq()));
        appended += a.entries.isEmpty() ? 0 : 1;
        outcomes.add(new Appended(seqs, dups));
      }
      for (Map.Entry<String, Long> c : groupCursors.entrySet()) {
        cursor.setString(1, c.getKey());
        cursor.setLong(2, c.getValue());
        cursor.addBatch();
      }
      if (written > 0) {
        insert.executeBatch();
      }
      if (!groupCursors.isEmpty()) {
        cursor.executeBatch();
      }
      if (writeHeads) {
        writeHeads(st, groupHeads, seq);
      }
      writer.commit();
    } catch (SQLException | RuntimeException e) {
      fail(group, e);
      return;
    }
    boolean wasEmpty = oldestSeq > lastSeq;
    groupDigests.forEach((digest, stored) -> dedup.add(digest, stored, now));
    heads.putAll(groupHeads);
    if (writeHeads) {
      headsWritten(seq);
    } else {
      unwrittenHeads.putAll(groupHeads);
    }
    cursors.putAll(groupCursors);
    recent.added(committed);
    long before = lastSeq;
    lastSeq = seq;
    if (wasEmpty && seq > before) {
      oldestSeq = before + 1;
    }
    groups.incrementAndGet();
    appends.addAndGet(appended);
    events.addAndGet(written);
    duplicates.addAndGet(dupsInGroup);
    largestGroup.accumulateAndGet(group.size(), Math::max);
    lastCommitMicros = (System.nanoTime() - start) / 1000;
    for (int i = 0; i < group.size(); i++) {
      group.get(i).done.complete(outcomes.get(i));
    }
    if (written > 0) {
      for (LongConsumer l : listeners) {
        l.accept(seq);
      }
    }
  }

  /**
   * Writes the heads changed since the accounts table was last written, and {@code more}, with
   * the last seq they reflect (also the high-water mark, so seqs are never reused even when
   * pruning empties the table). Part of the caller's transaction; under the write lock.
   */
  private void writeHeads(Statements st, Map<Did, Head> more, long upToSeq) throws SQLException {
    PreparedStatement account = st.account;
    account.clearBatch();
    Map<Did, Head> all = new HashMap<>(unwrittenHeads);
    all.putAll(more);
    for (Map.Entry<Did, Head> h : all.entrySet()) {
      account.setString(1, h.getKey().toString());
      account.setString(2, h.getValue().rev().toString());
      account.setLong(3, h.getValue().seq());
      account.setBytes(4, h.getValue().digest().map(FrameDigest::toBytes).orElse(null));
      account.addBatch();
    }
    if (!all.isEmpty()) {
      account.executeBatch();
    }
    st.meta.setString(1, "last_seq");
    st.meta.setLong(2, upToSeq);
    st.meta.executeUpdate();
    st.meta.setString(1, "heads_seq");
    st.meta.setLong(2, upToSeq);
    st.meta.executeUpdate();
  }

  /** After the commit that wrote the heads up to {@code seq}. */
  private void headsWritten(long seq) {
    unwrittenHeads.clear();
    headsWrittenSeq = seq;
    headsWrittenAt = System.nanoTime();
  }

  /**
   * Brings the accounts table up to date in a transaction of its own, if it is behind: on the
   * housekeeper while no commit did it, and at close. Under the write lock. A failure is a
   * storage error like any other (the store recovers from the file, which replays the heads).
   */
  private void writeHeadsNow() {
    if (needsRecovery || storeClosed || status.condition() != Status.Condition.OK
        || (unwrittenHeads.isEmpty() && lastSeq == headsWrittenSeq)) {
      return;
    }
    long upTo = lastSeq;
    try {
      writeHeads(statements(), Map.of(), upTo);
      writer.commit();
      headsWritten(upTo);
    } catch (SQLException | RuntimeException e) {
      needsRecovery = true;
      if (e instanceof SQLException q && isCorruption(q)) {
        corrupt("while writing: " + q.getMessage(), q);
      } else {
        unavailable(e);
      }
    }
  }

  /**
   * Fails every append of the group (none of it is stored) and schedules recovery. The state
   * change is logged once (see {@link #unavailable}); each failed group only at debug level.
   */
  private void fail(List<? extends Task> group, Exception e) {
    needsRecovery = true;
    EventLogException failure;
    if (e instanceof SQLException q && isCorruption(q)) {
      failure = corrupt("while writing: " + q.getMessage(), q);
    } else {
      unavailable(e);
      failure = new EventLogException("event log write failed: " + e.getMessage(), e);
    }
    for (Task t : group) {
      t.done.completeExceptionally(failure);
    }
    LOG.debug("group commit of {} appends failed, nothing of it stored: {}", group.size(), e.toString());
  }

  // ---- reads ----

  @Override
  public Optional<Head> head(Did did) {
    return Optional.ofNullable(heads.get(did));
  }

  @Override
  public OptionalLong findStored(Did did, FrameDigest digest) {
    long seq = dedup.find(digest, clock.millis() - settings.dedupWindow().toMillis());
    return seq < 0 ? OptionalLong.empty() : OptionalLong.of(seq);
  }

  private EventLogException readFailure(SQLException e) {
    if (isCorruption(e)) {
      return corrupt("while reading: " + e.getMessage(), e);
    }
    return new EventLogException("event log read failed: " + e.getMessage(), e);
  }

  /** The database file ({@code events.db}; SQLite keeps {@code -wal} and {@code -shm} beside it). */
  public Path file() {
    return file;
  }

  /** The settings the store was opened with (its seq floor and backfill window). */
  public Settings settings() {
    return settings;
  }

  @Override
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  public long oldestSeq() {
    return oldestSeq;
  }

  @Override
  public List<LoggedEvent> readAfter(long afterSeq, int max) {
    List<LoggedEvent> held = recent.after(afterSeq, max, lastSeq);
    if (held != null) {
      readsFromMemory.incrementAndGet();
      return held;
    }
    synchronized (readLock) {
      try (PreparedStatement p = reader.prepareStatement(
          "SELECT seq, did, type, frame, received_at FROM events WHERE seq > ? ORDER BY seq LIMIT ?")) {
        p.setLong(1, afterSeq);
        p.setInt(2, max);
        List<LoggedEvent> out = new ArrayList<>(Math.min(max, 256));
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(new LoggedEvent(rs.getLong(1), Did.parse(rs.getString(2)), rs.getString(3), rs.getBytes(4),
                rs.getLong(5)));
          }
        }
        return out;
      } catch (SQLException e) {
        throw readFailure(e);
      }
    }
  }

  @Override
  public void addAppendListener(LongConsumer listener) {
    listeners.add(listener);
  }

  // ---- the window ----

  @Override
  public int prune(Retention retention) {
    // one chunk per writer task, so appends queued meanwhile are committed between chunks
    int removed = 0;
    int n;
    do {
      n = (Integer) submit(new PruneTask(retention));
      removed += n;
    } while (n == PRUNE_CHUNK);
    return removed;
  }

  private void prune(PruneTask p) {
    try {
      if (needsRecovery) {
        recover();
      }
      p.done.complete(pruneNow(p.retention));
    } catch (SQLException | RuntimeException e) {
      fail(List.of(p), e);
    }
  }

  private void pruneQuietly() {
    try {
      int n = prune(settings.retention());
      if (n > 0) {
        LOG.debug("pruned {} events; oldest seq now {}", n, oldestSeq);
      }
    } catch (RuntimeException e) {
      // the writer logs the state change behind it once
      LOG.debug("pruning failed: {}", e.toString());
    } catch (Error e) {
      failed("the pruner thread died: " + e, e);
      throw e;
    }
  }

  /**
   * Runs under the write lock and removes at most one chunk of the oldest events, so appends
   * wait at most one chunk. The age cut looks only at the oldest chunk in seq order (seq order
   * is arrival order), which avoids scanning the whole table without an index on receive time.
   */
  private int pruneNow(Retention retention) throws SQLException {
    long cutoffSeq = 0;
    if (retention.maxEvents().isPresent()) {
      cutoffSeq = Math.max(cutoffSeq, lastSeq - retention.maxEvents().getAsLong());
    }
    if (retention.maxAge().isPresent()) {
      long cutoffTime = clock.millis() - retention.maxAge().get().toMillis();
      try (PreparedStatement p = writer.prepareStatement("SELECT MAX(seq) FROM (SELECT seq, received_at FROM events"
          + " ORDER BY seq LIMIT ?) WHERE received_at < ?")) {
        p.setInt(1, PRUNE_CHUNK);
        p.setLong(2, cutoffTime);
        try (ResultSet rs = p.executeQuery()) {
          if (rs.next()) {
            cutoffSeq = Math.max(cutoffSeq, rs.getLong(1));
          }
        }
      }
    }
    int removed = 0;
    boolean headsWrittenHere = false;
    long upTo = lastSeq;
    if (cutoffSeq >= oldestSeq) {
      // the events about to go may be the only record of a head the accounts table lacks
      writeHeads(statements(), Map.of(), upTo);
      headsWrittenHere = true;
      try (PreparedStatement del = writer.prepareStatement(
          "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT ?)")) {
        del.setLong(1, cutoffSeq);
        del.setInt(2, PRUNE_CHUNK);
        removed = del.executeUpdate();
      }
    }
    writer.commit();
    if (headsWrittenHere) {
      headsWritten(upTo);
    }
    dedup.expire(clock.millis() - settings.dedupWindow().toMillis());
    if (removed > 0) {
      long min = queryLong(writer, "SELECT MIN(seq) FROM events", -1);
      writer.commit();
      oldestSeq = min < 0 ? lastSeq + 1 : min;
      recent.prunedThrough(oldestSeq - 1);
    }
    return removed;
  }

  // ---- housekeeping ----

  /** For tests: every commit writes the accounts table too (so a fault can be injected there). */
  void writeHeadsWithEveryCommit() {
    headsWriteIntervalNanos = 0;
  }

  /** For tests: whether the calling thread holds the write lock (is writing for the store). */
  boolean writing() {
    return writeLock.isHeldByCurrentThread();
  }

  /** For tests: reads answered from the newest events in memory, without a query. */
  long readsFromMemory() {
    return readsFromMemory.get();
  }

  /** Group commits so far. */
  public long groupCommits() {
    return groups.get();
  }

  /** Appends committed so far (greater than {@link #groupCommits()} when appends shared a sync). */
  public long appendsCommitted() {
    return appends.get();
  }

  /** Events stored so far (duplicates excluded). */
  public long eventsStored() {
    return events.get();
  }

  /** Events answered with their original seq as retries so far. */
  public long duplicates() {
    return duplicates.get();
  }

  /** Appends answered with {@link Conflict} (another writer moved a head first) so far. */
  public long conflicts() {
    return conflicts.get();
  }

  /** The most appends that have shared one group commit. */
  public long largestGroup() {
    return largestGroup.get();
  }

  /** Duration of the last group commit, in microseconds. */
  public long lastCommitMicros() {
    return lastCommitMicros;
  }

  private static long queryLong(Connection c, String sql, long ifNull) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      if (rs.next()) {
        long v = rs.getLong(1);
        return rs.wasNull() ? ifNull : v;
      }
      return ifNull;
    }
  }

  /** Stops the pruner, lets queued appends finish, and closes the database. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    pruner.shutdownNow();
    checkpointer.shutdownNow();
    try {
      checkpointer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (checkpointLock) {
      if (checkpointConnection != null) {
        closeQuietly(checkpointConnection);
        checkpointConnection = null;
      }
    }
    housekeeper.shutdownNow();
    writeLock.lock();
    try {
      // appends queued before the close are committed (or refused) first
      while (!queue.isEmpty()) {
        writeQueued();
      }
      writeHeadsNow(); // not needed for correctness (the events replay them), but opens faster
      storeClosed = true;
      synchronized (readLock) {
        reader.close();
      }
      writer.close();
    } catch (SQLException e) {
      LOG.warn("closing the event log failed: {}", e.toString());
    } finally {
      writeLock.unlock();
    }
    Task next = queue.peek();
    if (next != null) {
      LockSupport.unpark(next.owner); // queued meanwhile: its owner is answered that the log is closed
    }
  }
}
