package dev.atsync.inverter.log.sqlite;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded durable {@link EventStore}: one SQLite file ({@code events.db} under the data
 * directory) in WAL mode with {@code synchronous=FULL}, so an acknowledged append survives a
 * process kill and a power loss.
 *
 * <p><b>Group commit.</b> Appends are queued to one writer thread, which takes every append
 * waiting and commits them in one transaction, so concurrent posts share one sync. Each append
 * is still all-or-nothing: its expected heads are checked against the state left by the appends
 * before it in the group, and a conflicting append is answered alone without touching the
 * others. A storage error fails every append of the group and stores none of them.
 *
 * <p><b>Recovery.</b> After a storage error (a full disk, an I/O error) the store does not trust
 * its connection or its in-memory state: before the next write it rolls back whatever is left,
 * puts the connection back into transaction mode (opening a new one if it must), and re-reads the
 * last seq, the oldest seq and every account's head from the file. So a failed append never
 * leaves a partly committed batch behind it, and an append answered with an error stored nothing.
 *
 * <p><b>Health.</b> {@link #status()} is {@code UNAVAILABLE} from a failed write until a recovery
 * (with a write probe) succeeds, which the writer retries by itself every second while idle, so
 * the store is writable again without waiting for traffic once space is freed or a lock released;
 * {@code CORRUPT} once SQLite reports damage (at open, a time-bounded {@code PRAGMA quick_check}
 * and a read of the newest events look for it), after which appends are refused and reads of the
 * damaged range throw {@link CorruptLogException}; {@code FAILED} if the writer thread died. Each
 * change is logged once, with its cause. A {@code events.db-wal} deleted while the store is open
 * is noticed within a second: its content is checkpointed into {@code events.db} through the
 * connections that still hold it, and the connections are reopened, so no acknowledged event
 * depends on a file that is gone.
 *
 * <p><b>Sequence.</b> The high-water mark is stored with every commit, so seqs are never reused,
 * even after the whole window is pruned or the process restarts; the first seq is at least the
 * configured floor.
 *
 * <p><b>Window.</b> A background task prunes by age and/or count every {@code pruneInterval},
 * in small transactions on the writer thread, and forgets deduplication digests older than the
 * deduplication window.
 */
public final class SqliteEventStore implements EventStore {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteEventStore.class);
  private static final int MAX_GROUP = 512;
  private static final int PRUNE_CHUNK = 5000;
  private static final long RECOVERY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long WAL_CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
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
   */
  public record Settings(long seqFloor, Retention retention, Duration dedupWindow, Duration pruneInterval) {
    /** Seq from 1, 72 hours of backfill, 10 minutes of deduplication, pruning every 10 seconds. */
    public static final Settings DEFAULT =
        new Settings(1, Retention.ofAge(Duration.ofHours(72)), Duration.ofMinutes(10), Duration.ofSeconds(10));

    /** Validates. */
    public Settings {
      if (seqFloor < 1) {
        throw new IllegalArgumentException("seq floor must be at least 1");
      }
    }

    /** These settings with another seq floor. */
    public Settings withSeqFloor(long floor) {
      return new Settings(floor, retention, dedupWindow, pruneInterval);
    }

    /** These settings with another backfill window. */
    public Settings withRetention(Retention r) {
      return new Settings(seqFloor, r, dedupWindow, pruneInterval);
    }
  }

  private final Path file;
  private final UnaryOperator<Connection> hook;
  private final Settings settings;
  private final Clock clock;
  private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final Thread writerThread;
  private final ScheduledExecutorService pruner;
  private final ScheduledExecutorService checkpointer;
  /** Guards {@link #checkpointConnection}, which the WAL healing closes while it reopens the file. */
  private final Object checkpointLock = new Object();
  private Connection checkpointConnection;
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final Map<Did, Head> heads = new ConcurrentHashMap<>();
  private final Map<String, Long> cursors = new ConcurrentHashMap<>();
  /** Guards {@link #reader}, which is replaced when the WAL file must be reopened. */
  private final Object readLock = new Object();
  private Connection reader;
  private Connection writer;
  private boolean needsRecovery;
  private long lastRecoveryAttempt;
  private long lastWalCheck;
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
  private volatile long lastCommitMicros;

  private SqliteEventStore(Path file, Settings settings, Clock clock, UnaryOperator<Connection> hook)
      throws SQLException {
    this.file = file;
    this.settings = settings;
    this.clock = clock;
    this.hook = hook;
    this.writer = openWriter();
    String damage = null;
    try {
      createSchema();
      writer.commit();
      reloadState();
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
    this.writerThread = new Thread(this::writeLoop, "atsync-sqlite-writer");
    writerThread.setDaemon(true);
    writerThread.start();
    this.pruner = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "atsync-sqlite-pruner");
      t.setDaemon(true);
      return t;
    });
    long every = settings.pruneInterval().toMillis();
    pruner.scheduleWithFixedDelay(this::pruneQuietly, every, every, TimeUnit.MILLISECONDS);
    this.checkpointer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "atsync-sqlite-checkpointer");
      t.setDaemon(true);
      return t;
    });
    checkpointer.scheduleWithFixedDelay(this::checkpoint, CHECKPOINT_INTERVAL_MILLIS, CHECKPOINT_INTERVAL_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private void createSchema() throws SQLException {
    try (Statement s = writer.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, did TEXT NOT NULL, type TEXT NOT NULL,"
          + " frame BLOB NOT NULL, received_at INTEGER NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS accounts (did TEXT PRIMARY KEY, rev TEXT NOT NULL)");
      // keyed by the digest itself (no rowid table beside a key index: one b-tree write less per
      // event); files made before keep their rowid table, which the same statements work on
      s.execute("CREATE TABLE IF NOT EXISTS dedup (digest BLOB PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL)"
          + " WITHOUT ROWID");
      s.execute("CREATE INDEX IF NOT EXISTS dedup_at ON dedup(at)");
      s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS upstreams (name TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
      // files written before heads carried their seq and digest get the two columns
      Set<String> columns = new HashSet<>();
      try (ResultSet rs = s.executeQuery("PRAGMA table_info(accounts)")) {
        while (rs.next()) {
          columns.add(rs.getString("name"));
        }
      }
      if (!columns.contains("seq")) {
        s.execute("ALTER TABLE accounts ADD COLUMN seq INTEGER NOT NULL DEFAULT 0");
      }
      if (!columns.contains("digest")) {
        s.execute("ALTER TABLE accounts ADD COLUMN digest BLOB");
      }
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

  /** Reads the last seq, the oldest seq and every account's head from the file (writer thread or constructor). */
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
    Map<String, Long> readCursors = new HashMap<>();
    try (Statement s = writer.createStatement(); ResultSet rs = s.executeQuery("SELECT name, seq FROM upstreams")) {
      while (rs.next()) {
        readCursors.put(rs.getString(1), rs.getLong(2));
      }
    }
    writer.commit();
    heads.keySet().retainAll(read.keySet());
    heads.putAll(read);
    cursors.keySet().retainAll(readCursors.keySet());
    cursors.putAll(readCursors);
    lastSeq = last;
    oldestSeq = min < 0 ? last + 1 : min;
  }

  // ---- appends: one writer, group commit ----

  /**
   * The writer's prepared statements, prepared once per writer connection instead of once per
   * group (a new connection after a recovery gets new ones). Writer thread only.
   */
  private static final class Statements {
    final Connection connection;
    final PreparedStatement insert;
    final PreparedStatement dedupClaim;
    final PreparedStatement dedupFind;
    final PreparedStatement account;
    final PreparedStatement cursor;
    final PreparedStatement meta;

    Statements(Connection c) throws SQLException {
      connection = c;
      insert = c.prepareStatement("INSERT INTO events (seq, did, type, frame, received_at) VALUES (?, ?, ?, ?, ?)");
      dedupClaim = c.prepareStatement("INSERT INTO dedup (digest, seq, at) VALUES (?, ?, ?) ON CONFLICT (digest)"
          + " DO UPDATE SET seq = excluded.seq, at = excluded.at WHERE dedup.at < ?");
      dedupFind = c.prepareStatement("SELECT seq FROM dedup WHERE digest = ? AND at >= ?");
      account = c.prepareStatement("INSERT OR REPLACE INTO accounts (did, rev, seq, digest) VALUES (?, ?, ?, ?)");
      cursor = c.prepareStatement("INSERT OR REPLACE INTO upstreams (name, seq) VALUES (?, ?)");
      meta = c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seq', ?)");
    }

    void close() {
      for (PreparedStatement p : new PreparedStatement[] {insert, dedupClaim, dedupFind, account, cursor, meta}) {
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
    // an append of nothing, so the cursor is written on the writer thread like every change
    submit(new AppendTask(List.of(), Map.of(), Optional.of(position)));
  }

  private Object submit(Task t) {
    if (closed) {
      throw new EventLogException("event log is closed");
    }
    if (status.condition() == Status.Condition.FAILED) {
      throw new EventLogException("event log cannot write: " + status.detail());
    }
    queue.add(t);
    if (!writerThread.isAlive() && t.done.completeExceptionally(
        new EventLogException("event log cannot write: its writer thread is gone"))) {
      queue.remove(t);
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

  private void writeLoop() {
    try {
      writeLoopUntilClosed();
    } catch (Error e) {
      failed("the writer thread died: " + e, e);
      Task t;
      while ((t = queue.poll()) != null) {
        t.done.completeExceptionally(new EventLogException("event log cannot write: " + e, e));
      }
      throw e;
    }
  }

  private void writeLoopUntilClosed() {
    List<AppendTask> group = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Task first = queue.poll(100, TimeUnit.MILLISECONDS);
        checkWal();
        if (first == null) {
          idle();
          continue;
        }
        if (first instanceof PruneTask p) {
          prune(p);
          continue;
        }
        group.clear();
        group.add((AppendTask) first);
        while (group.size() < MAX_GROUP && queue.peek() instanceof AppendTask) {
          group.add((AppendTask) queue.poll());
        }
        commitGroup(group);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // a bug, not a storage error: the writer must not die with work queued behind it
        LOG.error("event log writer failed", e);
      }
    }
  }

  /** While idle: retry a recovery every second. On the writer thread. */
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
    long seq = lastSeq;
    Map<Did, Head> groupHeads = new HashMap<>();
    Map<String, Long> groupCursors = new HashMap<>();
    Map<FrameDigest, Long> groupDigests = new HashMap<>();
    List<Outcome> outcomes = new ArrayList<>(group.size());
    int written = 0;
    int dupsInGroup = 0;
    int appended = 0;
    try {
      Statements st = statements();
      PreparedStatement insert = st.insert;
      PreparedStatement dedupClaim = st.dedupClaim;
      PreparedStatement dedupFind = st.dedupFind;
      PreparedStatement account = st.account;
      PreparedStatement cursor = st.cursor;
      // a group that failed may have left rows batched: they were never stored
      insert.clearBatch();
      account.clearBatch();
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
          long next = seq + 1;
          if (prior == null) {
            // one statement for the common case: claims the digest for this seq unless a live
            // (within the window) claim exists, which is a retry; only then is its seq read
            byte[] digest = entry.digest().toBytes();
            dedupClaim.setBytes(1, digest);
            dedupClaim.setLong(2, next);
            dedupClaim.setLong(3, now);
            dedupClaim.setLong(4, dedupCutoff);
            if (dedupClaim.executeUpdate() == 0) {
              dedupFind.setBytes(1, digest);
              dedupFind.setLong(2, dedupCutoff);
              try (ResultSet rs = dedupFind.executeQuery()) {
                if (!rs.next()) {
                  throw new SQLException("dedup claim refused without a live claim for the digest");
                }
                prior = rs.getLong(1);
              }
            }
          }
          if (prior != null) {
            seqs.add(prior);
            dups.add(true);
            dupsInGroup++;
            continue;
          }
          LogEvent e = entry.event();
          seq = next;
          insert.setLong(1, seq);
          insert.setString(2, e.did().toString());
          insert.setString(3, e.type());
          insert.setBytes(4, e.frame());
          insert.setLong(5, now);
          insert.addBatch();
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
      for (Map.Entry<Did, Head> h : groupHeads.entrySet()) {
        account.setString(1, h.getKey().toString());
        account.setString(2, h.getValue().rev().toString());
        account.setLong(3, h.getValue().seq());
        account.setBytes(4, h.getValue().digest().map(FrameDigest::toBytes).orElse(null));
        account.addBatch();
      }
      for (Map.Entry<String, Long> c : groupCursors.entrySet()) {
        cursor.setString(1, c.getKey());
        cursor.setLong(2, c.getValue());
        cursor.addBatch();
      }
      if (written > 0) {
        insert.executeBatch();
      }
      if (!groupHeads.isEmpty()) {
        account.executeBatch();
      }
      if (!groupCursors.isEmpty()) {
        cursor.executeBatch();
      }
      if (seq != lastSeq) {
        st.meta.setLong(1, seq);
        st.meta.executeUpdate();
      }
      writer.commit();
    } catch (SQLException | RuntimeException e) {
      fail(group, e);
      return;
    }
    boolean wasEmpty = oldestSeq > lastSeq;
    heads.putAll(groupHeads);
    cursors.putAll(groupCursors);
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
    synchronized (readLock) {
      try (PreparedStatement p = reader.prepareStatement("SELECT seq FROM dedup WHERE digest = ? AND at >= ?")) {
        p.setBytes(1, digest.toBytes());
        p.setLong(2, clock.millis() - settings.dedupWindow().toMillis());
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
        }
      } catch (SQLException e) {
        throw readFailure(e);
      }
    }
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
   * Runs on the writer thread and removes at most one chunk of the oldest events, so appends
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
    if (cutoffSeq >= oldestSeq) {
      try (PreparedStatement del = writer.prepareStatement(
          "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT ?)")) {
        del.setLong(1, cutoffSeq);
        del.setInt(2, PRUNE_CHUNK);
        removed = del.executeUpdate();
      }
    }
    try (PreparedStatement p = writer.prepareStatement("DELETE FROM dedup WHERE at < ?")) {
      p.setLong(1, clock.millis() - settings.dedupWindow().toMillis());
      p.executeUpdate();
    }
    writer.commit();
    if (removed > 0) {
      long min = queryLong(writer, "SELECT MIN(seq) FROM events", -1);
      writer.commit();
      oldestSeq = min < 0 ? lastSeq + 1 : min;
    }
    return removed;
  }

  // ---- housekeeping ----

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
    try {
      writerThread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      synchronized (readLock) {
        reader.close();
      }
      writer.close();
    } catch (SQLException e) {
      LOG.warn("closing the event log failed: {}", e.toString());
    }
  }
}
