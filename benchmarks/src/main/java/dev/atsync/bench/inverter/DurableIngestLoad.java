package dev.atsync.bench.inverter;

import dev.atsync.firehose.Frame;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durable ingest into the SQLite log beside the disk's ceiling, measured the same way in one run:
 *
 * <ul>
 *   <li>fsyncs/s of a 4 KiB append to a file ({@code FileChannel.force}), one thread;
 *   <li>raw SQLite: 1 KB rows into a bare events table, WAL, {@code synchronous=FULL}, 16 rows per
 *       transaction (what 16 posters of single frames can share) and 512 rows per transaction;
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

  static void rawSqlite(int perTxn) throws Exception {
    Path dir = Files.createTempDirectory("atsync-raw");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("raw.db"))) {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, did TEXT NOT NULL, type TEXT NOT NULL,"
            + " frame BLOB NOT NULL, received_at INTEGER NOT NULL)");
      }
      c.setAutoCommit(false);
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

  static void log(int threads) throws Exception {
    try (EventLog log = InverterLoad.log()) {
      LongAdder done = new LongAdder();
      long start = System.nanoTime();
      long end = start + RUN_NANOS;
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String did = InverterLoad.did(t);
        Thread th = new Thread(() -> {
          while (System.nanoTime() < end) {
            Frame f = InverterLoad.frame(did, 900);
            log.append(List.of(InverterLoad.commit(did, f)));
            done.increment();
          }
        });
        ts.add(th);
        th.start();
      }
      for (Thread th : ts) {
        th.join();
      }
      double secs = (System.nanoTime() - start) / 1e9;
      SqliteEventStore store = (SqliteEventStore) log.store();
      System.out.printf("log: %2d posters, single 1 KB frames:                   %,8.0f events/s"
          + " (%,d group commits, %.1f events each)%n", threads, done.sum() / secs, store.groupCommits(),
          done.sum() / (double) Math.max(1, store.groupCommits()));
    }
  }
}
