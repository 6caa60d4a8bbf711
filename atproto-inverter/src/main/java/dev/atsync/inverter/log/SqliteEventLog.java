package dev.atsync.inverter.log;

import dev.atsync.inverter.InverterException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded durable {@link EventLog}: one SQLite file ({@code events.db} under the data
 * directory) in WAL mode with {@code synchronous=FULL}, so an acknowledged append survives a
 * process kill and a power loss.
 *
 * <p><b>Group commit.</b> Appends are queued to one writer thread, which takes every batch
 * waiting and commits them in one transaction, so concurrent posts share one sync. Each batch is
 * still all-or-nothing: it is checked (deduplication, then the rev rule of {@link EventLog})
 * against the state left by the batches before it in the group, and a stale batch is refused
 * alone without touching the others. A storage error fails every batch of the group and stores none of them.
 *
 * <p><b>Sequence.</b> The high-water mark is stored with every commit, so seqs are never reused,
 * even after the whole window is pruned or the process restarts; the first seq is at least the
 * configured floor.
 *
 * <p><b>Window.</b> A background task prunes by age and/or count every {@code pruneInterval},
 * in small transactions on the writer thread, and forgets deduplication digests older than the
 * deduplication window.
 */
public final class SqliteEventLog implements EventLog {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteEventLog.class);
  private static final int MAX_GROUP = 512;
  private static final int PRUNE_CHUNK = 5000;

  /**
   * Settings of the SQLite log.
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

  private final Connection writer;
  private final Connection reader;
  private final Settings settings;
  private final Clock clock;
  private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final Thread writerThread;
  private final ScheduledExecutorService pruner;
  private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, String> revs = new HashMap<>();
  private volatile long lastSeq;
  private volatile long oldestSeq;
  private volatile boolean closed;
  private final AtomicLong groups = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong staleRejections = new AtomicLong();
  private final AtomicLong largestGroup = new AtomicLong();
  private volatile long lastCommitMicros;

  private SqliteEventLog(Path file, Settings settings, Clock clock) throws SQLException {
    this.settings = settings;
    this.clock = clock;
    this.writer = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement s = writer.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
      s.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, did TEXT NOT NULL, type TEXT NOT NULL,"
          + " frame BLOB NOT NULL, received_at INTEGER NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS accounts (did TEXT PRIMARY KEY, rev TEXT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS dedup (digest BLOB PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS dedup_at ON dedup(at)");
      s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    }
    writer.setAutoCommit(false);
    long stored = queryLong(writer, "SELECT value FROM meta WHERE key = 'last_seq'", 0);
    long maxEvent = queryLong(writer, "SELECT MAX(seq) FROM events", 0);
    this.lastSeq = Math.max(Math.max(stored, maxEvent), settings.seqFloor() - 1);
    long min = queryLong(writer, "SELECT MIN(seq) FROM events", -1);
    this.oldestSeq = min < 0 ? lastSeq + 1 : min;
    try (Statement s = writer.createStatement(); ResultSet rs = s.executeQuery("SELECT did, rev FROM accounts")) {
      while (rs.next()) {
        revs.put(rs.getString(1), rs.getString(2));
      }
    }
    writer.commit();
    this.reader = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement s = reader.createStatement()) {
      s.execute("PRAGMA busy_timeout=5000");
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
  }

  /**
   * Opens (creating if needed) {@code events.db} under {@code dataDir}.
   *
   * @throws UncheckedIOException if the directory cannot be created
   * @throws InverterException if the database cannot be opened
   */
  public static SqliteEventLog open(Path dataDir, Settings settings) {
    return open(dataDir, settings, Clock.systemUTC());
  }

  /** As {@link #open(Path, Settings)} with a clock for receive times, windows and tests. */
  public static SqliteEventLog open(Path dataDir, Settings settings, Clock clock) {
    try {
      Files.createDirectories(dataDir);
      return new SqliteEventLog(dataDir.resolve("events.db"), settings, clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir, e);
    } catch (SQLException e) {
      throw new InverterException("cannot open event log in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  // ---- appends: one writer, group commit ----

  private abstract static class Task {
    final CompletableFuture<Object> done = new CompletableFuture<>();
  }

  private static final class AppendTask extends Task {
    final List<LogEvent> batch;
    final byte[][] digests;

    AppendTask(List<LogEvent> batch) {
      this.batch = batch;
      this.digests = new byte[batch.size()][];
      for (int i = 0; i < batch.size(); i++) {
        digests[i] = Sha256.of(batch.get(i).frame());
      }
    }
  }

  private static final class PruneTask extends Task {
    final Retention retention;

    PruneTask(Retention retention) {
      this.retention = retention;
    }
  }

  @Override
  public AppendResult append(List<LogEvent> batch) {
    if (batch.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    return (AppendResult) submit(new AppendTask(List.copyOf(batch)));
  }

  private Object submit(Task t) {
    if (closed) {
      throw new InverterException("event log is closed");
    }
    queue.add(t);
    try {
      return t.done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InverterException("interrupted while waiting for the log", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new InverterException("event log failed: " + e.getCause(), e.getCause());
    }
  }

  private void writeLoop() {
    List<Task> group = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Task first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        if (first instanceof PruneTask p) {
          complete(p, () -> pruneNow(p.retention));
          continue;
        }
        group.clear();
        group.add(first);
        while (group.size() < MAX_GROUP && queue.peek() instanceof AppendTask) {
          group.add(queue.poll());
        }
        commitGroup(group);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private interface Work {
    Object run() throws SQLException;
  }

  private void complete(Task t, Work w) {
    try {
      t.done.complete(w.run());
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      t.done.completeExceptionally(e instanceof RuntimeException r ? r
          : new InverterException("event log write failed: " + e.getMessage(), e));
    }
  }

  private void commitGroup(List<Task> group) {
    long start = System.nanoTime();
    long now = clock.millis();
    long seq = lastSeq;
    Map<String, String> groupRevs = new HashMap<>();
    Map<ByteBuffer, Long> groupDigests = new HashMap<>();
    List<AppendTask> accepted = new ArrayList<>(group.size());
    List<AppendResult> results = new ArrayList<>(group.size());
    int written = 0;
    try (PreparedStatement insert = writer.prepareStatement(
            "INSERT INTO events (seq, did, type, frame, received_at) VALUES (?, ?, ?, ?, ?)");
        PreparedStatement dedupInsert = writer.prepareStatement("INSERT OR REPLACE INTO dedup (digest, seq, at) VALUES (?, ?, ?)");
        PreparedStatement dedupFind = writer.prepareStatement("SELECT seq FROM dedup WHERE digest = ? AND at >= ?");
        PreparedStatement account = writer.prepareStatement("INSERT OR REPLACE INTO accounts (did, rev) VALUES (?, ?)")) {
      long dedupCutoff = now - settings.dedupWindow().toMillis();
      for (Task t : group) {
        AppendTask a = (AppendTask) t;
        // check the whole batch against the state so far before writing any of it
        Long[] prior = new Long[a.batch.size()];
        Map<String, String> batchRevs = new HashMap<>();
        StaleRevException stale = null;
        for (int i = 0; i < a.batch.size() && stale == null; i++) {
          ByteBuffer key = ByteBuffer.wrap(a.digests[i]);
          prior[i] = groupDigests.get(key);
          if (prior[i] == null) {
            dedupFind.setBytes(1, a.digests[i]);
            dedupFind.setLong(2, dedupCutoff);
            try (ResultSet rs = dedupFind.executeQuery()) {
              if (rs.next()) {
                prior[i] = rs.getLong(1);
              }
            }
          }
          LogEvent e = a.batch.get(i);
          if (prior[i] != null || e.rev().isEmpty()) {
            continue;
          }
          String current = batchRevs.containsKey(e.did()) ? batchRevs.get(e.did())
              : groupRevs.containsKey(e.did()) ? groupRevs.get(e.did()) : revs.get(e.did());
          if (!RevRule.allows(e.type(), e.rev().get(), current)) {
            stale = new StaleRevException(e.did(), e.rev().get(), current);
          } else {
            batchRevs.put(e.did(), e.rev().get());
          }
        }
        if (stale != null) {
          staleRejections.incrementAndGet();
          a.done.completeExceptionally(stale);
          results.add(null);
          continue;
        }
        List<Long> seqs = new ArrayList<>(a.batch.size());
        int dups = 0;
        for (int i = 0; i < a.batch.size(); i++) {
          if (prior[i] != null) {
            seqs.add(prior[i]);
            dups++;
            continue;
          }
          LogEvent e = a.batch.get(i);
          seq++;
          insert.setLong(1, seq);
          insert.setString(2, e.did());
          insert.setString(3, e.type());
          insert.setBytes(4, e.frame());
          insert.setLong(5, now);
          insert.addBatch();
          dedupInsert.setBytes(1, a.digests[i]);
          dedupInsert.setLong(2, seq);
          dedupInsert.setLong(3, now);
          dedupInsert.addBatch();
          groupDigests.put(ByteBuffer.wrap(a.digests[i]), seq);
          seqs.add(seq);
          written++;
        }
        groupRevs.putAll(batchRevs);
        accepted.add(a);
        results.add(new AppendResult(seqs, dups));
      }
      for (Map.Entry<String, String> r : groupRevs.entrySet()) {
        account.setString(1, r.getKey());
        account.setString(2, r.getValue());
        account.addBatch();
      }
      insert.executeBatch();
      dedupInsert.executeBatch();
      account.executeBatch();
      try (PreparedStatement meta = writer.prepareStatement(
          "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seq', ?)")) {
        meta.setLong(1, seq);
        meta.executeUpdate();
      }
      writer.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      InverterException failure = new InverterException("event log write failed: " + e.getMessage(), e);
      for (Task t : group) {
        t.done.completeExceptionally(failure);
      }
      LOG.error("group commit of {} batches failed", group.size(), e);
      return;
    }
    boolean wasEmpty = oldestSeq > lastSeq;
    revs.putAll(groupRevs);
    long before = lastSeq;
    lastSeq = seq;
    if (wasEmpty && seq > before) {
      oldestSeq = before + 1;
    }
    groups.incrementAndGet();
    batches.addAndGet(accepted.size());
    events.addAndGet(written);
    int groupDups = 0;
    for (AppendResult res : results) {
      groupDups += res == null ? 0 : res.duplicates();
    }
    duplicates.addAndGet(groupDups);
    largestGroup.accumulateAndGet(accepted.size(), Math::max);
    lastCommitMicros = (System.nanoTime() - start) / 1000;
    int r = 0;
    for (Task t : group) {
      AppendResult res = results.get(r++);
      if (res != null) {
        t.done.complete(res);
      }
    }
    if (written > 0) {
      for (LongConsumer l : listeners) {
        l.accept(seq);
      }
    }
  }

  // ---- reads ----

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
    synchronized (reader) {
      try (PreparedStatement p = reader.prepareStatement(
          "SELECT seq, did, type, frame, received_at FROM events WHERE seq > ? ORDER BY seq LIMIT ?")) {
        p.setLong(1, afterSeq);
        p.setInt(2, max);
        List<LoggedEvent> out = new ArrayList<>(Math.min(max, 256));
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(new LoggedEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getLong(5)));
          }
        }
        return out;
      } catch (SQLException e) {
        throw new InverterException("event log read failed: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public Optional<String> currentRev(String did) {
    synchronized (reader) {
      try (PreparedStatement p = reader.prepareStatement("SELECT rev FROM accounts WHERE did = ?")) {
        p.setString(1, did);
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw new InverterException("event log read failed: " + e.getMessage(), e);
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

  private void pruneQuietly() {
    try {
      int n = prune(settings.retention());
      if (n > 0) {
        LOG.debug("pruned {} events; oldest seq now {}", n, oldestSeq);
      }
    } catch (RuntimeException e) {
      LOG.warn("pruning failed: {}", e.toString());
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
      long min = queryLong(writer, "SELECT MIN(seq) FROM events", -1);
      oldestSeq = min < 0 ? lastSeq + 1 : min;
    }
    try (PreparedStatement p = writer.prepareStatement("DELETE FROM dedup WHERE at < ?")) {
      p.setLong(1, clock.millis() - settings.dedupWindow().toMillis());
      p.executeUpdate();
    }
    writer.commit();
    return removed;
  }

  // ---- housekeeping ----

  /** Group commits so far. */
  public long groupCommits() {
    return groups.get();
  }

  /** Batches committed so far (greater than {@link #groupCommits()} when batches shared a sync). */
  public long batchesCommitted() {
    return batches.get();
  }

  /** Events stored so far (duplicates excluded). */
  public long eventsStored() {
    return events.get();
  }

  /** Events answered with their original seq as retries so far. */
  public long duplicates() {
    return duplicates.get();
  }

  /** Batches refused as stale (breaking the rev rule of {@link EventLog}) so far. */
  public long staleRejections() {
    return staleRejections.get();
  }

  /** The most batches that have shared one group commit. */
  public long largestGroup() {
    return largestGroup.get();
  }

  /** Duration of the last group commit, in microseconds. */
  public long lastCommitMicros() {
    return lastCommitMicros;
  }

  private void rollbackQuietly() {
    try {
      writer.rollback();
    } catch (SQLException e) {
      LOG.warn("rollback failed: {}", e.toString());
    }
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
    try {
      writerThread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      synchronized (reader) {
        reader.close();
      }
      writer.close();
    } catch (SQLException e) {
      LOG.warn("closing the event log failed: {}", e.toString());
    }
  }
}
