package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pull mode with two instances of one PDS writing the same account one after the other (they
 * share its repository, as instances behind a load balancer share their store): each instance
 * emits only its own commits on its own firehose, and one instance is slow. The inverter follows
 * both and serves the account's chain unbroken; when the slow instance is slower than the reorder
 * wait, the commit after it goes on alone and a chain gap is counted.
 */
class PullModeTest {
  static final dev.atsync.syntax.Did DID = VerifiedIngestTest.DID;
  final List<AutoCloseable> closeAfter = new ArrayList<>();
  final EventLog log = EventLog.inMemory();

  @AfterEach
  void close() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  <T extends AutoCloseable> T later(T t) {
    closeAfter.add(t);
    return t;
  }

  Inverter follow(Duration reorderWait, TestPdsInstance... upstreams) {
    Inverter.Builder b = Inverter.builder().log(log).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly().reorderWait(reorderWait).upstreamBackoff(Duration.ofMillis(50));
    for (TestPdsInstance u : upstreams) {
      b.upstream(u.endpoint());
    }
    return later(b.build().start());
  }

  /** Commits to one shared repository, made through alternating instances. */
  static final class SharedAccount {
    final Repository repo = Repository.create(DID, PrivateKey.generate(Curve.SECP256K1), BlockStore.inMemory());
    int n;

    /**
     * What a PDS emits when the account is created, through one instance: the genesis commit and
     * the {@code #sync} of it. The inverter then knows the account's head.
     */
    void create(TestPdsInstance through) {
      through.emit(next());
      through.emit(dev.atsync.firehose.SyncEvent.of(repo.head().orElseThrow(), 0, Instant.now()));
    }

    CommitEvent next() {
      n++;
      return CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/p" + n),
          VerifiedIngestTest.post("post " + n)))), 0, Instant.now());
    }
  }

  static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  List<Frame> logged() {
    List<Frame> out = new ArrayList<>();
    log.readAfter(0, 10_000).forEach(e -> out.add(Frame.decode(e.frame()).withSeq(e.seq())));
    return out;
  }

  @Test
  void aSlowInstanceDoesNotBreakTheChain() throws Exception {
    TestPdsInstance fast = later(new TestPdsInstance(1));
    TestPdsInstance slow = later(new TestPdsInstance(1));
    slow.delay(Duration.ofMillis(400));
    Inverter inverter = follow(Duration.ofSeconds(20), slow, fast);
    SharedAccount account = new SharedAccount();
    account.create(fast);
    await(() -> log.lastSeq() >= 2, "the account's creation");
    List<dev.atsync.syntax.Tid> revs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      CommitEvent c = account.next();
      revs.add(c.rev());
      (i % 2 == 0 ? slow : fast).emit(c);
    }
    await(() -> log.lastSeq() >= 8, "six commits");
    List<Frame> chain = logged().subList(2, 8);
    assertEquals(revs, chain.stream().map(f -> f.rev().orElseThrow()).toList(), "in the order they were made");
    TestEvents.assertChainsUnbroken(chain);
    assertTrue(ChainOrderTest.metric(inverter, "atsync_inverter_commits_held_total") > 0, "the fast one waited");
    assertEquals(0, ChainOrderTest.metric(inverter, "atsync_inverter_chain_gaps_total"));
  }

  @Test
  void anInstanceSlowerThanTheWaitLeavesACountedGap() throws Exception {
    TestPdsInstance fast = later(new TestPdsInstance(1));
    TestPdsInstance slow = later(new TestPdsInstance(1));
    Inverter inverter = follow(Duration.ofMillis(200), slow, fast);
    SharedAccount account = new SharedAccount();
    account.create(fast);
    await(() -> log.lastSeq() >= 2, "the account's creation");
    slow.delay(Duration.ofMillis(1500));
    slow.emit(account.next());
    fast.emit(account.next());
    await(() -> ChainOrderTest.metric(inverter, "atsync_inverter_chain_gaps_total") == 1, "a gap");
    await(() -> inverter.upstreams().get(0).refused() == 1, "the late commit refused as stale");
    assertEquals(3, log.lastSeq(), "the late commit is not stored after the one that built on it");
  }

  @Test
  void anUpstreamThatRestartedWithANewCounterIsFollowedFromItsNewStart() throws Exception {
    TestPdsInstance pds = later(new TestPdsInstance(1000));
    Inverter inverter = follow(Duration.ofSeconds(3), pds);
    for (int i = 0; i < 5; i++) {
      pds.emit(TestEvents.identity(TestEvents.did(800 + i)).event());
    }
    await(() -> log.lastSeq() >= 5, "five events");
    assertEquals(java.util.OptionalLong.of(1004), inverter.upstreams().get(0).cursor());
    // the PDS's sequencer starts over (a new database): its seqs are now below the cursor
    pds.restartWithNewCounter(1);
    for (int i = 0; i < 3; i++) {
      pds.emit(TestEvents.identity(TestEvents.did(900 + i)).event());
    }
    await(() -> log.lastSeq() >= 8, "the three events after the restart");
    assertTrue(inverter.upstreams().get(0).cursorResets() >= 1, inverter.upstreams().toString());
    await(() -> inverter.upstreams().get(0).cursor().orElse(-1) == 3, "the cursor in the new sequence");
    assertEquals(java.util.OptionalLong.of(3), log.upstreamCursor(pds.endpoint() + "/xrpc/com.atproto.sync.subscribeRepos"));
  }

  @Test
  void theFollowerNamesItselfToTheUpstream() throws Exception {
    try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      upstream.setSoTimeout(10_000);
      later(Inverter.builder().log(log).publicAddress(new InetSocketAddress("127.0.0.1", 0)).inProcessIngestOnly()
          .upstream(java.net.URI.create("ws://127.0.0.1:" + upstream.getLocalPort()
              + "/xrpc/com.atproto.sync.subscribeRepos")).build().start());
      try (java.net.Socket s = upstream.accept()) {
        java.io.BufferedReader head = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
            java.nio.charset.StandardCharsets.ISO_8859_1));
        List<String> lines = new ArrayList<>();
        for (String line = head.readLine(); line != null && !line.isEmpty(); line = head.readLine()) {
          lines.add(line.toLowerCase(java.util.Locale.ROOT));
        }
        assertTrue(lines.get(0).startsWith("get /xrpc/com.atproto.sync.subscriberepos?cursor=0 "),
            lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("user-agent: atsync/")), lines.toString());
      }
    }
  }

  @Test
  void aRefusedFrameInABacklogIsSkippedAloneAndTheRestStored() throws Exception {
    TestPdsInstance pds = later(new TestPdsInstance(1));
    // a backlog the follower takes in one go: a commit whose blocks are not a CAR (the upstream
    // checks nothing; the follower's structural check refuses it) between valid events
    for (int i = 0; i < 3; i++) {
      pds.emit(TestEvents.identity(TestEvents.did(900 + i)).event());
    }
    pds.emit(TestEvents.commit(TestEvents.did(950), TestEvents.nextRev()).event());
    for (int i = 3; i < 6; i++) {
      pds.emit(TestEvents.identity(TestEvents.did(900 + i)).event());
    }
    Inverter inverter = follow(Duration.ofSeconds(3), pds);
    await(() -> inverter.upstreams().get(0).refused() == 1 && log.lastSeq() >= 6, "the backlog taken");
    List<String> dids = logged().stream().map(f -> f.did().orElseThrow().toString()).toList();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      expected.add(TestEvents.did(900 + i));
    }
    assertEquals(expected, dids, "every valid event once, in the upstream's order, the refused one left out");
    assertEquals(6, inverter.upstreams().get(0).events());
    assertEquals(7, inverter.upstreams().get(0).cursor().orElseThrow(), "the cursor moved past the refused frame");
  }
}
