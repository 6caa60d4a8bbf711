package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two PDS instances write one account one after the other, and their commits reach the inverter
 * in the wrong order: the later commit is held until its predecessor is stored, so the log (and
 * every relay) sees the chain in order; a predecessor that never comes is given up on after the
 * reorder wait, and a chain gap is counted.
 */
class ChainOrderTest {
  final EventLog log = EventLog.inMemory();

  Inverter inverter(Duration wait) {
    return Inverter.builder().log(log).publicAddress(new InetSocketAddress("127.0.0.1", 0)).inProcessIngestOnly()
        .reorderWait(wait).build().start();
  }

  /** Three commits of one account, each building on the one before. */
  static List<CommitEvent> chain() {
    Repository repo = Repository.create(VerifiedIngestTest.DID, PrivateKey.generate(Curve.SECP256K1),
        BlockStore.inMemory());
    List<CommitEvent> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      out.add(CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/p" + i),
          VerifiedIngestTest.post("p" + i)))), i + 1, Instant.now()));
    }
    return out;
  }

  static long metric(Inverter inv, String name) {
    return inv.metricsText().lines().filter(l -> l.startsWith(name + " ")).mapToLong(
        l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(0);
  }

  @Test
  void aCommitAheadOfItsPredecessorWaitsForItAndTheChainIsServedInOrder() throws Exception {
    List<CommitEvent> c = chain();
    try (Inverter inv = inverter(Duration.ofSeconds(20))) {
      inv.publish(c.get(0));
      // the third commit arrives first (from the faster instance): it waits
      CompletableFuture<List<Long>> third = CompletableFuture.supplyAsync(() -> inv.publish(c.get(2)));
      Thread.sleep(300);
      assertTrue(!third.isDone(), "held while its predecessor is in flight");
      assertEquals(1, metric(inv, "atsync_inverter_commits_held_total"));
      List<Long> second = inv.publish(c.get(1));
      // released by its predecessor's arrival, long before the 20 s wait ran out (no gap counted)
      List<Long> released = third.get(15, TimeUnit.SECONDS);
      assertTrue(second.get(0) < released.get(0));
      List<dev.atsync.syntax.Tid> revs = log.readAfter(0, 10).stream().map(ChainOrderTest::rev).toList();
      assertEquals(List.of(c.get(0).rev(), c.get(1).rev(), c.get(2).rev()), revs, "an unbroken chain");
      assertEquals(0, metric(inv, "atsync_inverter_chain_gaps_total"));
    }
  }

  @Test
  void aPredecessorThatNeverComesIsGivenUpOnAndCounted() throws Exception {
    List<CommitEvent> c = chain();
    try (Inverter inv = inverter(Duration.ofMillis(300))) {
      inv.publish(c.get(0));
      long start = System.nanoTime();
      inv.publish(c.get(2));
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 300, "it waited the whole wait");
      assertEquals(1, metric(inv, "atsync_inverter_chain_gaps_total"));
      // the late predecessor is now older than what was released: refused as stale
      IngestException stale = assertThrows(IngestException.class, () -> inv.publish(c.get(1)));
      assertEquals("StaleRev", stale.errorName());
    }
  }

  @Test
  void commitsInOrderNeverWait() {
    List<CommitEvent> c = chain();
    try (Inverter inv = inverter(Duration.ofSeconds(30))) {
      for (CommitEvent e : c) {
        inv.publish(e);
      }
      assertEquals(0, metric(inv, "atsync_inverter_commits_held_total"));
    }
  }

  static dev.atsync.syntax.Tid rev(LoggedEvent e) {
    return Frame.decode(e.frame()).rev().orElseThrow();
  }
}
