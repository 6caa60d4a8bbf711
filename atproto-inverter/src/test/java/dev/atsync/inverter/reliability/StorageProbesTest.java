package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.RawPeer;
import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.TestSubscriber;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15.3/15.4 and 17 probes on the SQLite log: a full file system (a real one, a small
 * tmpfs), a deleted WAL file, a locked database. The inverter refuses what it cannot store,
 * says so on its readiness endpoints, logs each change once, heals by itself, and never answers
 * 200 for an event it did not store, nor anything else for one it did.
 */
@Tag("reliability")
@Timeout(180)
class StorageProbesTest extends Probes {
  @TempDir
  Path tmp;
  Path mounted;

  @AfterEach
  void unmount() throws Exception {
    closeAll();
    open.clear();
    inverter = null;
    if (mounted != null) {
      run("umount", "-l", mounted.toString());
    }
  }

  static int run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    if (p.exitValue() != 0) {
      System.err.println(String.join(" ", cmd) + ": " + out);
    }
    return p.exitValue();
  }

  /** A tmpfs of {@code size} mounted on a new directory, or a skip where mounting is not permitted. */
  Path tmpfs(String size) throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("fs"));
    int rc = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
    Assumptions.assumeTrue(rc == 0, "skipped: cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN; mount"
        + " exited " + rc + "), so there is no real full file system to test on");
    mounted = dir;
    return dir;
  }

  /** Fills the file system with a ballast file up to {@code leaveFree} bytes. */
  static Path ballast(Path dir, long leaveFree) throws IOException {
    Path b = dir.resolve("ballast");
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(b)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      // the file system is full
    }
    try (FileChannel c = FileChannel.open(b, StandardOpenOption.WRITE)) {
      c.truncate(Math.max(0, c.size() - leaveFree));
    }
    return b;
  }

  Frame event(int account) {
    return TestEvents.commit(TestEvents.did(account), TestEvents.nextRev(), 30_000);
  }

  /**
   * Findings 15.3, 15.4, 17.1: after the data directory filled and space was freed, every post
   * was 503 until a restart, /health said 200 throughout, and the first refused batch was stored
   * anyway (and delivered).
   */
  @Test
  void aFullDiskRefusesHonestlyAndHealsByItself() throws Exception {
    Path fs = tmpfs("4m");
    Path data = fs.resolve("data");
    start(EventLog.over(SqliteEventStore.open(data, SqliteEventStore.Settings.DEFAULT.withRetention(
        Retention.FOREVER))), b -> b);
    TestSubscriber all = subscribe(0L);
    assertEquals(200, post(event(1)).status());
    Path ballast = ballast(fs, 400 * 1024);
    List<Long> acked = new ArrayList<>();
    List<Frame> refused = new ArrayList<>();
    int account = 100;
    for (int i = 0; i < 400 && refused.size() < 5; i++) {
      Frame f = event(account++);
      Answer a = post(f);
      if (a.status() == 200) {
        acked.addAll(TestEvents.seqs(a.body()));
      } else {
        assertEquals(503, a.status(), a.body());
        assertTrue(a.body().contains("Unavailable"), a.body());
        refused.add(f);
      }
    }
    assertFalse(refused.isEmpty(), "the file system filled up");
    assertTrue(eventually(3000, () -> get(ingestPort(), "/health/ready").status() == 503), "not ready while full");
    assertEquals(503, get(ingestPort(), "/health").status());
    assertEquals(200, get(ingestPort(), "/health/live").status(), "full is not dead");
    RawPeer h = track(RawPeer.connect(inverter.publicPort()));
    h.send("GET /xrpc/_health HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals(503, h.readAnswer(false).status());
    long lastBefore = acked.isEmpty() ? 1 : acked.get(acked.size() - 1);
    // Prometheus values are floating point ("5.0", "1.23457E8")
    assertEquals(lastBefore, (long) Double.parseDouble(inverter.metricsText().lines()
        .filter(l -> l.startsWith("atsync_inverter_last_seq ")).findFirst().orElseThrow().split(" ")[1]),
        "metrics say the truth: " + lastBefore);

    Files.delete(ballast);
    assertTrue(eventually(5000, () -> get(ingestPort(), "/health/ready").status() == 200),
        "ready again by itself once space is free");
    Answer next = post(event(9999));
    assertEquals(200, next.status(), next.body());
    assertEquals(List.of(lastBefore + 1), TestEvents.seqs(next.body()), "no seq lost or reused");
    // the refused posts were not stored: sent again, they are new events
    for (Frame f : refused) {
      Answer a = post(f);
      assertEquals(200, a.status(), a.body());
    }
    long last = log.lastSeq();
    all.await((int) last, 20);
    Thread.sleep(200);
    List<Long> seqs = all.seqs();
    assertEquals(last, seqs.size(), "one frame per stored seq, nothing more");
    Set<dev.atsync.syntax.Tid> refusedRevs = new HashSet<>();
    refused.forEach(f -> refusedRevs.add(f.rev().orElseThrow()));
    List<dev.atsync.syntax.Tid> deliveredRevs = all.frames.stream().map(f -> f.rev().orElseThrow()).toList();
    for (int i = 0; i < deliveredRevs.size(); i++) {
      if (refusedRevs.contains(deliveredRevs.get(i))) {
        assertTrue(seqs.get(i) > lastBefore + 1, "a refused event was delivered before it was accepted");
      }
    }
    for (long s : acked) {
      assertTrue(seqs.contains(s), "acknowledged " + s + " delivered");
    }
  }

  /** A WAL file deleted under a running inverter: nothing acknowledged may depend on it. */
  @Test
  void aDeletedWalIsHealedAndNothingAcknowledgedIsLost() throws Exception {
    Path data = tmp.resolve("wal");
    try (ChildInverter.Child child = ChildInverter.start(data, List.of("-Xmx256m"))) {
      List<Long> acked = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Answer a = post(child.ingestPort(), TestEvents.concat(List.of(event(i))), Duration.ofSeconds(10));
        assertEquals(200, a.status(), a.body());
        acked.addAll(TestEvents.seqs(a.body()));
      }
      Path wal = data.resolve("events.db-wal");
      assertTrue(Files.exists(wal));
      Files.delete(wal);
      for (int i = 20; i < 40; i++) {
        Answer a = post(child.ingestPort(), TestEvents.concat(List.of(event(i))), Duration.ofSeconds(10));
        assertEquals(200, a.status(), a.body());
        acked.addAll(TestEvents.seqs(a.body()));
      }
      assertTrue(eventually(5000, () -> Files.exists(wal)), "a new WAL file: " + child.output());
      for (int i = 40; i < 50; i++) {
        Answer a = post(child.ingestPort(), TestEvents.concat(List.of(event(i))), Duration.ofSeconds(10));
        assertEquals(200, a.status(), a.body());
        acked.addAll(TestEvents.seqs(a.body()));
      }
      assertEquals(200, get(child.ingestPort(), "/health/ready").status());
      child.process().destroyForcibly(); // SIGKILL: only what is in a file that still exists survives
      assertTrue(child.process().waitFor(10, TimeUnit.SECONDS));
    }
    try (EventLog reopened = EventLog.over(SqliteEventStore.open(data, SqliteEventStore.Settings.DEFAULT
        .withRetention(Retention.FOREVER)))) {
      List<Long> stored = reopened.readAfter(0, 1000).stream().map(LoggedEvent::seq).toList();
      assertEquals(List.copyOf(new java.util.TreeSet<>(stored)), stored);
      for (long s = 1; s <= 50; s++) {
        assertTrue(stored.contains(s), "acknowledged seq " + s + " survived; stored: " + stored);
      }
    }
  }

  /** Another process (here: another connection) holds the database's write lock, then lets go. */
  @Test
  void aLockedDatabaseRefusesThenHealsByItself() throws Exception {
    Path data = tmp.resolve("locked");
    start(EventLog.over(SqliteEventStore.open(data, SqliteEventStore.Settings.DEFAULT.withRetention(
        Retention.FOREVER))), b -> b);
    TestSubscriber all = subscribe(0L);
    assertEquals(200, post(event(1)).status());
    Frame blocked = event(2);
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("events.db"));
        Statement s = other.createStatement()) {
      s.execute("PRAGMA busy_timeout=0");
      s.execute("BEGIN EXCLUSIVE");
      Answer a = post(ingestPort(), TestEvents.concat(List.of(blocked)), Duration.ofSeconds(20));
      assertEquals(503, a.status(), a.body());
      assertEquals(503, get(ingestPort(), "/health/ready").status(), "not ready while locked");
      s.execute("ROLLBACK");
    }
    assertTrue(eventually(5000, () -> get(ingestPort(), "/health/ready").status() == 200), "ready again");
    Answer again = post(blocked);
    assertEquals(200, again.status(), again.body());
    assertEquals(List.of(2L), TestEvents.seqs(again.body()), "the refused post was not stored");
    all.await(2, 10);
    Thread.sleep(100);
    assertEquals(List.of(1L, 2L), all.seqs());
  }
}
