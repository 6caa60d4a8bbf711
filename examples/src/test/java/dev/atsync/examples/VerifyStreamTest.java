package dev.atsync.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cbor.Value;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Did;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verify-stream command against a real inverter on 127.0.0.1 and against a capture file. */
class VerifyStreamTest {
  static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");

  static List<CommitEvent> commits(int n) {
    Repository repo = Repository.create(DID, PrivateKey.generate(Curve.SECP256K1), BlockStore.inMemory());
    List<CommitEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Value.Map post = new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of("post " + i),
          "createdAt", Value.of("2026-11-23T07:00:00.000Z")));
      out.add(CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + "p" + i), post))),
          i + 1, Instant.now()));
    }
    return out;
  }

  record Result(int code, String out) {}

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = VerifyStream.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    return new Result(code, out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aValidLiveStreamPasses() {
    try (Inverter inv = Inverter.builder().log(EventLog.inMemory())
        .publicAddress(new InetSocketAddress("127.0.0.1", 0)).inProcessIngestOnly().build().start()) {
      for (CommitEvent e : commits(20)) {
        inv.publish(List.of(e.toFrame()));
      }
      Result r = run("ws://127.0.0.1:" + inv.publicPort() + "/xrpc/com.atproto.sync.subscribeRepos", "--cursor", "0",
          "--limit", "20", "--seconds", "20");
      assertEquals(0, r.code(), r.out());
      assertTrue(r.out().contains("summary: 20 messages, 20 passed, 0 failed"), r.out());
      assertTrue(r.out().contains("#commit=20"), r.out());
    }
  }

  @Test
  void aCaptureWithABrokenCommitFailsAndSaysWhy(@TempDir Path dir) throws Exception {
    List<CommitEvent> events = commits(5);
    CommitEvent c = events.get(3);
    CommitEvent broken = new CommitEvent(c.seq(), false, false, c.repo(), c.commit(), c.rev(), c.since(), c.blocks(),
        c.ops(), c.blobs(), Optional.of(c.commit()), c.time());
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    for (int i = 0; i < events.size(); i++) {
      file.write((i == 3 ? broken : events.get(i)).toFrame().bytes());
    }
    file.write(new byte[] {(byte) 0xa2, 0x61});
    Path f = dir.resolve("frames.bin");
    Files.write(f, file.toByteArray());
    Result r = run("--file", f.toString());
    assertEquals(1, r.code(), r.out());
    assertTrue(r.out().contains("seq=4 repo=" + DID + " INVALID INVERSION_MISMATCH"), r.out());
    // the next commit's since and prevData point at the refused one: a broken chain
    assertTrue(r.out().contains("seq=5 repo=" + DID + " DISCONTINUOUS SINCE_MISMATCH"), r.out());
    assertTrue(r.out().contains("frame 6: MALFORMED_FRAME: truncated or malformed frame at byte"), r.out());
    assertTrue(r.out().contains("summary: 6 messages, 3 passed, 3 failed, 0 ignored"), r.out());
    Result lenient = run("--file", f.toString(), "--policy", "lenient", "--limit", "5");
    assertEquals(0, lenient.code(), lenient.out());
  }

  @Test
  void staleMessagesAreCountedAsIgnoredAndDoNotFail(@TempDir Path dir) throws Exception {
    List<CommitEvent> events = commits(4);
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    for (CommitEvent e : events) {
      file.write(e.toFrame().bytes());
    }
    // the second commit again, with a fresh seq (a replay from another host's backfill): stale
    file.write(events.get(1).withSeq(5).toFrame().bytes());
    Path f = dir.resolve("frames.bin");
    Files.write(f, file.toByteArray());
    Result r = run("--file", f.toString());
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("seq=5 repo=" + DID + " IGNORED STALE_COMMIT"), r.out());
    assertTrue(r.out().contains("summary: 5 messages, 4 passed, 0 failed, 1 ignored"), r.out());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, run().code());
    assertEquals(2, run("--policy", "nope", "--file", "x").code());
    assertEquals(0, run("--help").code());
  }
}
