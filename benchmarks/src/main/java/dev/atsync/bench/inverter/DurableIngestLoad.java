package dev.atsync.bench.inverter;

import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Durable ingest into the SQLite log beside the disk's ceiling, measured the same way in one run:
 *
 * <ul>
 *   <li>fsyncs/s of a 4 KiB append to a file ({@code FileChannel.force}), one thread;
 *   <li>raw SQLite: 1 KB rows into a bare events table, WAL, {@code synchronous=FULL}, 16 rows per
 *       transaction (what 16 posters of single frames can share) and 512 rows per transaction;
 *   <li>one-row SQLite commits, back to back and 3 ms apart (what one commit costs on an idle
 *       machine);
 *   <li>the log's own writes, 16 events per transaction, one thread: now, the event row with its
 *       SHA-256 frame digest and rev and nothing else (the accounts table is written about once a
 *       second, not per commit); before, each digest claimed in a table keyed by digest (a random
 *       b-tree page per event), the account's head and the last seq in every commit;
 *   <li>the inverter's log ({@code EventLog} over {@code SqliteEventStore}): 1 and 16 concurrent
 *       posters of single 1 KB frames, each waiting for its own durable answer.
 * </ul>
 *
 * <p>Each measurement runs 4 s.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.atsync.bench.inverter.DurableIngestLoad</pre>
 */
public final class DurableIngestLoad {
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(4);

  private DurableIngestLoad() {}

  public static void main(String[] args) throws Exception {
    System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " cpus");
    fsyncs();
    rawSqlite(16);
    rawSqlite(512);
    idleCommit();
    logSchema(false);
    logSchema(true);
    for (int threads : new int[] {1, 16, 64}) {
      log(threads);
    }
    System.exit(0);
  }

  static void fsyncs() throws IOException {
    Path dir = Files.createTempDirectory("atsync-fsync");
    Path f = dir.resolve("f");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      long n = 0;
      long start = System.nanoTime();
      while (System.nanoTime() - start < RUN_NANOS) {
        b.clear();
        ch.write(b);
        ch.force(false);
        n++;
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("ceiling: fsync (4 KiB append + force), 1 thread:        %,8.0f fsyncs/s (%.3f ms each)%n",
          n / secs, secs * 1000 / n);
    }
  }

  /**
   * A new database file in a temporary directory, configured as the log configures its own (WAL,
   * {@code synchronous=FULL}), with {@code schema} created and autocommit off.
   */
  static Connection durableDatabase(String... schema) throws Exception {
    Connection c = DriverManager.getConnection("jdbc:sqlite:"
        + Files.createTempDirectory("atsync-sqlite-load").resolve("load.db"));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      for (String sql : schema) {
        s.execute(sql);
      }
    }
    c.setAutoCommit(false);
    return c;
  }

  static void rawSqlite(int perTxn) throws Exception {
    try (Connection c = durableDatabase("CREATE TABLE events (seq INTEGER PRIMARY KEY, did TEXT NOT NULL,"
        + " type TEXT NOT NULL, frame BLOB NOT NULL, received_at INTEGER NOT NULL)")) {
      byte[] frame = new byte[1000];
      long seq = 0;
      long start = System.nanoTime();
      try (PreparedStatement p = c.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?)")) {
        while (System.nanoTime() - start < RUN_NANOS) {
          for (int i = 0; i < perTxn; i++) {
            p.setLong(1, ++seq);
            p.setString(2, InverterLoad.did(i));
            p.setString(3, "#commit");
            p.setBytes(4, frame);
            p.setLong(5, System.currentTimeMillis());
            p.addBatch();
          }
          p.executeBatch();
          c.commit();
        }
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("ceiling: raw SQLite, 1 KB rows, %3d per transaction:    %,8.0f inserts/s%n", perTxn,
          seq / secs);
    }
  }

  static void idleCommit() throws Exception {
    try (Connection c = durableDatabase("CREATE TABLE events (seq INTEGER PRIMARY KEY, frame BLOB)")) {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO events VALUES (?, ?)")) {
        int seq = 0;
        for (int pause : new int[] {0, 3}) {
          long[] t = new long[400];
          for (int i = 0; i < t.length; i++) {
            if (pause > 0) {
              Thread.sleep(pause);
            }
            long start = System.nanoTime();
            p.setLong(1, ++seq);
            p.setBytes(2, new byte[1000]);
            p.executeUpdate();
            c.commit();
            t[i] = System.nanoTime() - start;
          }
          java.util.Arrays.sort(t);
          System.out.printf("ceiling: one-row SQLite commit, %d ms apart:             p50 %.3f ms, p90 %.3f ms%n", pause,
              t[t.length / 2] / 1e6, t[t.length * 9 / 10] / 1e6);
        }
      }
    }
  }

  static void logSchema(boolean before) throws Exception {
    java.util.Random r = new java.util.Random(1);
    try (Connection c = durableDatabase(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, did TEXT NOT NULL, type TEXT NOT NULL,"
            + " frame BLOB NOT NULL, received_at INTEGER NOT NULL, digest BLOB, rev TEXT)",
        "CREATE TABLE accounts (did TEXT PRIMARY KEY, rev TEXT NOT NULL, seq INTEGER, digest BLOB)",
        "CREATE TABLE dedup (digest BLOB PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE INDEX dedup_at ON dedup(at)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")) {
      byte[] frame = new byte[1000];
      long seq = 0;
      long start = System.nanoTime();
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)");
          PreparedStatement claim = c.prepareStatement("INSERT INTO dedup (digest, seq, at) VALUES (?, ?, ?)"
              + " ON CONFLICT (digest) DO UPDATE SET seq = excluded.seq, at = excluded.at WHERE dedup.at < ?");
          PreparedStatement acc = c.prepareStatement("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?)");
          PreparedStatement meta = c.prepareStatement("INSERT OR REPLACE INTO meta VALUES ('last_seq', ?)")) {
        while (System.nanoTime() - start < RUN_NANOS) {
          for (int i = 0; i < 16; i++) {
            seq++;
            long now = System.currentTimeMillis();
            byte[] digest = new byte[32];
            r.nextBytes(digest);
            if (before) {
              claim.setBytes(1, digest);
              claim.setLong(2, seq);
              claim.setLong(3, now);
              claim.setLong(4, now - 600_000);
              claim.executeUpdate();
            }
            String did = InverterLoad.did(i);
            ins.setLong(1, seq);
            ins.setString(2, did);
            ins.setString(3, "#commit");
            ins.setBytes(4, frame);
            ins.setLong(5, now);
            ins.setBytes(6, before ? null : digest);
            ins.setString(7, before ? null : "3kaaaaaaaa" + seq);
            ins.addBatch();
            if (before) {
              acc.setString(1, did);
              acc.setString(2, "3kaaaaaaaa" + seq);
              acc.setLong(3, seq);
              acc.setBytes(4, new byte[32]);
              acc.addBatch();
            }
          }
          ins.executeBatch();
          if (before) {
            acc.executeBatch();
            meta.setLong(1, seq);
            meta.executeUpdate();
          }
          c.commit();
        }
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("ceiling: the log's writes, 16 per transaction, %s: %,8.0f events/s%n",
          before ? "before" : "now   ", seq / secs);
    }
  }

  static void log(int threads) throws Exception {
    try (EventLog log = InverterLoad.log()) {
      InverterLoad.Appended done = InverterLoad.appendConcurrently(log, threads, RUN_NANOS, t -> {
        String did = InverterLoad.did(t);
        return () -> List.of(InverterLoad.commit(did, InverterLoad.frame(did, 900)));
      }, () -> { });
      SqliteEventStore store = (SqliteEventStore) log.store();
      System.out.printf("log: %2d posters, single 1 KB frames:                   %,8.0f events/s"
          + " (%,d group commits, %.1f events each)%n", threads, done.perSecond(), store.groupCommits(),
          done.events() / (double) Math.max(1, store.groupCommits()));
    }
  }
}
