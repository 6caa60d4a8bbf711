package dev.atsync.inverter.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.TestSubscriber;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Finding 17.2: a 2,000-event events.db with 16 KiB of random bytes written mid-file started
 * normally, a subscriber from cursor 0 got 1,280 frames and then nothing (no error frame, no
 * close) while the fan-out logged SQLITE_CORRUPT every 20 ms, and /health said ok. Now: not
 * ready, appends refused, the subscriber that needs the damaged range gets an error frame and a
 * close, and the state change is logged once.
 */
@Tag("reliability")
@Timeout(120)
class CorruptionProbesTest extends Probes {
  @TempDir
  Path tmp;

  static SqliteEventStore.Settings settings() {
    return SqliteEventStore.Settings.DEFAULT.withRetention(Retention.FOREVER);
  }

  /** A log of 2,000 real commit frames of about {@code size} bytes each. */
  static void fill(Path dir, int size) {
    try (EventLog log = EventLog.over(SqliteEventStore.open(dir, settings()))) {
      for (int b = 0; b < 20; b++) {
        List<LogEvent> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          String did = TestEvents.did(b * 100 + i);
          String rev = TestEvents.nextRev();
          Frame f = TestEvents.commit(did, rev, size);
          batch.add(new LogEvent(Did.parse(did), Optional.of(Tid.parse(rev)), "#commit", f.bytes()));
        }
        log.append(batch);
      }
    }
  }

  static void damage(Path db, long seed, double where) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      byte[] junk = new byte[16 * 1024];
      new Random(seed).nextBytes(junk);
      f.seek((long) (f.length() * where) & ~4095L);
      f.write(junk);
    }
  }

  @ParameterizedTest(name = "damaged {0} at {1} of the file")
  @CsvSource({"before start, 0.25", "before start, 0.5", "before start, 0.75", "while running, 0.25",
      "while running, 0.5"})
  void aCorruptLogIsNeverServedSilently(String when, double where) throws Exception {
    Path dir = tmp.resolve("log");
    boolean running = when.equals("while running");
    // while running, the damage must be where SQLite's page cache (2 MB) does not hold the pages already
    fill(dir, running ? 5000 : 1000);
    if (!running) {
      damage(dir.resolve("events.db"), 17, where);
    }
    start(EventLog.over(SqliteEventStore.open(dir, settings())), b -> b);
    if (running) {
      assertEquals(200, get(ingestPort(), "/health/ready").status());
      damage(dir.resolve("events.db"), 23, where);
    }
    TestSubscriber s = subscribe(0L);
    // every event intact, or the intact ones in order and then an error frame and a close: never a silent stall
    assertTrue(eventually(20_000, () -> s.closed.getCount() == 0 || s.frames.size() >= 2000),
        "the subscriber got " + s.frames.size() + " frames and was neither finished nor closed");
    Thread.sleep(200);
    List<Frame> got = new ArrayList<>(s.frames);
    List<Long> seqs = s.seqs();
    for (int i = 0; i < seqs.size(); i++) {
      assertEquals(i + 1, seqs.get(i), "what was served is the log, in order");
    }
    boolean detected = s.closed.getCount() == 0 || !running;
    if (s.closed.getCount() == 0) {
      Frame last = got.get(got.size() - 1);
      assertTrue(last.isError(), "an error frame ends the stream");
      assertEquals("InternalServerError", last.error().error());
      assertEquals(1011, s.closeCode);
      System.out.println("damaged " + when + " at " + where + ": closed with an error frame after " + seqs.size()
          + " events");
    } else {
      assertEquals(2000, seqs.size());
      for (Frame f : got) {
        assertEquals("#commit", f.type().orElseThrow(), "intact frames only");
      }
      System.out.println("damaged " + when + " at " + where + ": all 2000 events intact (the damage is elsewhere)");
    }
    if (!detected) {
      return; // the damage is in pages nobody read since (and SQLite's cache still holds the good ones)
    }
    // damage that was found (at open by the integrity check, or by a read) makes the server not ready
    assertTrue(eventually(5000, () -> get(ingestPort(), "/health/ready").status() == 503), "not ready");
    assertTrue(get(ingestPort(), "/health/ready").body().contains("corrupt"));
    assertEquals(200, get(ingestPort(), "/health/live").status(), "corrupt is not dead: a restart would not help");
    if (log.status().condition() == dev.atsync.inverter.log.EventStore.Status.Condition.CORRUPT) {
      // SQLite itself reports the damage: nothing more is written into the file
      Answer a = post(TestEvents.commit(TestEvents.did(777_777), TestEvents.nextRev()));
      assertEquals(503, a.status(), "nothing is appended to a damaged database: " + a.body());
    }
  }
}
