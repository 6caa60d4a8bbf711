package dev.atsync.inverter.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atsync.firehose.AccountEvent;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.SyncEvent;
import dev.atsync.firehose.identity.CachingIdentityResolver;
import dev.atsync.firehose.identity.HttpIdentityResolver;
import dev.atsync.firehose.subscribe.FirehoseSubscriber;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.firehose.verify.CommitVerifier;
import dev.atsync.firehose.verify.Finding;
import dev.atsync.firehose.verify.Policy;
import dev.atsync.firehose.verify.Reason;
import dev.atsync.firehose.verify.Verdict;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.VerifyingCheck;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.jetstream.JetStreamEventStore;
import dev.atsync.inverter.log.jetstream.JetStreamSettings;
import dev.atsync.inverter.log.JetStreamNatsCluster;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import dev.atsync.relay.ingest.InverterClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The inverter and the verifier against the reference implementations, over real sockets: a
 * PLC directory and two TypeScript PDS processes ({@code @atproto/pds}) carry a realistic
 * workload (sign-ups, posts, replies, likes, reposts, follows, profiles with an image, deletes, a
 * 150-op applyWrites, handle change, deactivation and reactivation, takedown and restore, a
 * migration between the two PDSes, account deletion); the PDS's own firehose is verified, forwarded
 * into inverters on each log, and read back by {@code @atproto/sync}'s Firehose and by this
 * project's subscriber, signatures checked against the PLC directory throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferencePdsTest {
  static final String TOKEN = "reference-pds-token-0123456789";
  static final Duration WAIT = Duration.ofSeconds(60);

  ReferencePeers peers;
  final List<AutoCloseable> closeAfterEach = new ArrayList<>();

  @BeforeAll
  void startPeers() throws Exception {
    // PDS 0 carries the main workload; 1 and 2 the migration; 3 is a second upstream in pull mode
    peers = ReferencePeers.start(4);
    workloadRound("a");
  }

  @AfterAll
  void stopPeers() throws Exception {
    if (peers != null) {
      peers.close();
    }
  }

  @AfterEach
  void closeResources() throws Exception {
    for (int i = closeAfterEach.size() - 1; i >= 0; i--) {
      closeAfterEach.get(i).close();
    }
    closeAfterEach.clear();
  }

  <T extends AutoCloseable> T closeLater(T resource) {
    closeAfterEach.add(resource);
    return resource;
  }

  /**
   * One round of everything the workload does, on PDS 0. (Migration has its own test on PDS 1 and
   * 2: the reference PDS's migration #sync is one the spec says to reject.)
   */
  void workloadRound(String prefix) throws Exception {
    workloadRound(prefix, 0);
  }

  /** One round of everything the workload does, on PDS {@code pds}. */
  void workloadRound(String prefix, int pds) throws Exception {
    List<String> dids = new ArrayList<>();
    for (JsonNode a : peers.call("createAccounts", Map.of("pds", pds, "prefix", prefix, "count", 10)).get("accounts")) {
      dids.add(a.get("did").asText());
    }
    peers.call("activity", Map.of("dids", dids));
    peers.call("applyWrites", Map.of("did", dids.get(0), "creates", 150));
    peers.call("changeHandle", Map.of("did", dids.get(1)));
    peers.call("deactivateAndReactivate", Map.of("did", dids.get(2)));
    peers.call("takedownAndRestore", Map.of("did", dids.get(3)));
    peers.call("deleteAccount", Map.of("did", dids.get(4)));
  }

  /** PDS 0's firehose from the start up to its current seq, read with this project's subscriber. */
  List<Frame> pdsStream() throws Exception {
    return pdsStream(0);
  }

  /** PDS {@code pds}'s firehose from the start up to its current seq. */
  List<Frame> pdsStream(int pds) throws Exception {
    long last = peers.lastSeq(pds);
    List<Frame> frames = new CopyOnWriteArrayList<>();
    try (FirehoseSubscriber sub = FirehoseSubscriber.builder(peers.pdsFirehose(pds)).cursor(0).lanes(1)
        .handler(frames::add).build()) {
      sub.start();
      awaitTrue(() -> sub.processedSeq() >= last, "PDS " + pds + "'s stream up to seq " + last);
    }
    return new ArrayList<>(frames);
  }

  CommitVerifier strictWithSignatures() {
    CachingIdentityResolver identities = new CachingIdentityResolver(
        HttpIdentityResolver.builder().plcDirectory(peers.plc()).build());
    return CommitVerifier.builder().keys(identities).build();
  }

  Inverter inverter(EventLog log) {
    return inverter(log, VerifyingCheck.structural());
  }

  Inverter inverter(EventLog log, VerifyingCheck check) {
    return closeLater(Inverter.builder()
        .log(log)
        .check(check)
        .publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .ingestAddress(new InetSocketAddress("127.0.0.1", 0))
        .ingestTokens(List.of(TOKEN))
        .build()
        .start());
  }

  static String ingestUrl(Inverter inverter) {
    return "http://127.0.0.1:" + inverter.ingestPort().orElseThrow();
  }

  static URI publicUrl(Inverter inverter) {
    return URI.create("ws://127.0.0.1:" + inverter.publicPort());
  }

  @Test
  void theWorkloadCoversEveryAccountLifecycle() throws Exception {
    List<Frame> stream = pdsStream();
    Map<String, Integer> types = new TreeMap<>();
    Map<String, Integer> statuses = new TreeMap<>();
    Map<String, String> lastCommitRev = new HashMap<>();
    int syncAtCommitRev = 0;
    int maxOps = 0;
    for (Frame f : stream) {
      types.merge(f.type().orElse("?"), 1, Integer::sum);
      if (f.event() instanceof CommitEvent c) {
        lastCommitRev.put(c.repo().value(), c.rev().value());
        maxOps = Math.max(maxOps, c.ops().size());
      } else if (f.event() instanceof SyncEvent s && s.rev().value().equals(lastCommitRev.get(s.did().value()))) {
        syncAtCommitRev++;
      } else if (f.event() instanceof AccountEvent a) {
        statuses.merge(a.active() ? "active" : a.status().orElse("inactive"), 1, Integer::sum);
      }
    }
    System.out.printf("reference PDS stream: %d frames, by type %s, #account statuses %s, %d #sync at the rev just"
        + " committed, largest commit %d ops%n", stream.size(), types, statuses, syncAtCommitRev, maxOps);
    // ten sign-ups (one account deleted since, its events gone from the PDS's backfill), each a
    // #commit then a #sync at the same rev; a reactivation, also a #sync at the current rev
    assertTrue(syncAtCommitRev >= 10, "a #sync at the rev just committed: " + syncAtCommitRev);
    assertTrue(types.getOrDefault("#identity", 0) >= 11, "types " + types);
    assertTrue(maxOps >= 150, "the applyWrites commit has 150 ops: " + maxOps);
    for (String s : List.of("active", "deactivated", "takendown", "deleted")) {
      assertTrue(statuses.containsKey(s), "#account " + s + " in " + statuses);
    }
  }

  /** (a) The PDS's own stream verifies under STRICT, with signatures: zero findings. */
  @Test
  void thePdsStreamVerifiesStrictlyWithSignatures() throws Exception {
    List<Frame> stream = pdsStream();
    CommitVerifier verifier = strictWithSignatures();
    List<String> findings = new ArrayList<>();
    for (Frame f : stream) {
      Verdict v = verifier.verify(f);
      if (v.status() != Verdict.Status.VALID || !v.findings().isEmpty()) {
        findings.add("seq " + f.seq().orElse(-1) + " " + f.type().orElse("?") + ": " + v);
      }
    }
    assertEquals(List.of(), findings);
  }

  /**
   * (b) A forwarder following the PDS's firehose posts every frame, one per POST and in batches,
   * into an inverter on the memory and the SQLite log: nothing is refused, every frame gets a
   * seq, and the inverter serves exactly the PDS's frames in the PDS's order.
   */
  @ParameterizedTest(name = "{0} log, {1}")
  @CsvSource({"memory, SINGLE", "memory, BATCHED", "sqlite, SINGLE", "sqlite, BATCHED"})
  void everyFrameIsAcceptedAndServedInOrder(String logKind, Forwarder.Mode mode, @TempDir Path dir)
      throws Exception {
    EventLog log = logKind.equals("memory") ? EventLog.inMemory()
        : EventLog.over(SqliteEventStore.open(dir, SqliteEventStore.Settings.DEFAULT));
    Inverter inverter = inverter(log);
    long last = peers.lastSeq(0);
    Forwarder forwarder = closeLater(new Forwarder(peers.pdsFirehose(0), List.of(ingestUrl(inverter)), TOKEN, mode));
    List<Long> seqs = forwarder.awaitForwarded(last, WAIT);
    List<Frame> pds = pdsStream();
    assertEquals(List.of(), forwarder.failures);
    List<Long> expected = new ArrayList<>();
    for (long s = 1; s <= pds.size(); s++) {
      expected.add(s);
    }
    assertEquals(expected, seqs, "one new seq per frame, in order");
    List<Frame> served = readAll(inverter, pds.size());
    for (int i = 0; i < pds.size(); i++) {
      assertEquals(pds.get(i).withSeq(i + 1), served.get(i), "frame " + i + " (" + pds.get(i).type().orElse("?") + ")");
    }
  }

  /**
   * Account migration from PDS 1 to PDS 2, as the account-migration guide does it. The new PDS
   * announces the imported repository with a #sync whose commit block is the imported one: the
   * old rev, signed with the old PDS's key, while the message carries the rev the import was
   * given. The spec says to reject a #sync whose fields do not match its signed commit or whose
   * signature fails with the current key, and indigo's relay does: STRICT finds REV_MISMATCH
   * and BAD_SIGNATURE, LENIENT only warns, and the inverter refuses it (400 InvalidCommit) while
   * taking everything else. The account's next commit on its new PDS verifies, so the chain goes
   * on.
   */
  @Test
  void theMigrationSyncIsRejectedAsTheSpecSaysAndTheAccountGoesOn() throws Exception {
    String did = peers.call("createAccounts", Map.of("pds", 1, "prefix", "mover", "count", 1))
        .get("accounts").get(0).get("did").asText();
    peers.call("activity", Map.of("dids", List.of(did)));
    peers.call("migrate", Map.of("did", did, "to", 2));
    List<Frame> stream = pdsStream(2);
    CommitVerifier strict = strictWithSignatures();
    CommitVerifier lenient = CommitVerifier.builder().policy(Policy.LENIENT).unauthenticated().build();
    Map<String, Verdict> verdicts = new java.util.LinkedHashMap<>();
    for (Frame f : stream) {
      Verdict v = strict.verify(f);
      Verdict l = lenient.verify(f);
      if (f.did().map(d -> d.value()).orElse("").equals(did)) {
        verdicts.put(f.type().orElseThrow() + "@" + f.seq().orElseThrow(), v);
        assertTrue(l.accepted(), "LENIENT passes " + f.type().orElseThrow() + ": " + l);
      }
    }
    List<String> shape = verdicts.entrySet().stream()
        .map(e -> e.getKey().substring(0, e.getKey().indexOf('@')) + " " + e.getValue().status())
        .collect(Collectors.toList());
    assertEquals(List.of("#identity VALID", "#account VALID", "#identity VALID", "#sync INVALID", "#commit VALID"),
        shape, "the new PDS's events for the migrated account: " + verdicts);
    Verdict sync = verdicts.entrySet().stream().filter(e -> e.getKey().startsWith("#sync")).findFirst()
        .orElseThrow().getValue();
    assertEquals(java.util.Set.of(Reason.REV_MISMATCH, Reason.BAD_SIGNATURE),
        sync.findings().stream().map(Finding::reason).collect(Collectors.toSet()), sync.toString());

    Inverter inverter = inverter(EventLog.inMemory());
    List<String> refused = new ArrayList<>();
    try (InverterClient client = InverterClient.builder().baseUrl(ingestUrl(inverter)).token(TOKEN).build()) {
      for (Frame f : stream) {
        try {
          client.postBatch(List.of(f.bytes()));
        } catch (IngestException e) {
          refused.add(f.type().orElseThrow() + " " + e.status() + " " + e.errorName());
          assertEquals("REV_MISMATCH", e.reason().orElseThrow(), e.toString());
        }
      }
    }
    assertEquals(List.of("#sync 400 InvalidCommit"), refused);
    assertEquals(stream.size() - 1, inverter.metricsText().lines()
        .filter(l -> l.startsWith("atsync_inverter_last_seq ")).mapToLong(l -> (long) Double.parseDouble(
            l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow());
  }

  /**
   * Pull mode: an inverter that nobody posts to follows two unmodified reference PDS processes
   * (each with its own accounts) on their own firehoses, during a round of the workload on each.
   * The merged stream holds every event of both, once; every account's chain is unbroken; and the
   * reference consumer reads it from cursor 0 with every commit authenticated and no error.
   */
  @Test
  void pullModeMergesTwoReferencePdsFirehoses(@TempDir Path dir) throws Exception {
    Inverter inverter = closeLater(Inverter.builder()
        .log(EventLog.over(SqliteEventStore.open(dir, SqliteEventStore.Settings.DEFAULT)))
        .publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly()
        .upstream(peers.pds(0))
        .upstream(peers.pds(3))
        .build()
        .start());
    workloadRound("p", 0);
    workloadRound("q", 3);
    for (int pds : new int[] {0, 3}) {
      long last = peers.lastSeq(pds);
      int index = pds == 0 ? 0 : 1;
      awaitTrue(() -> inverter.upstreams().get(index).cursor().orElse(-1) >= last, "upstream " + pds + " at " + last);
    }
    List<Frame> expected = new ArrayList<>(pdsStream(0));
    expected.addAll(pdsStream(3));
    long stored = inverter.upstreams().stream().mapToLong(u -> u.events()).sum();
    List<Frame> served = readAll(inverter, (int) stored);
    assertEquals(0, inverter.upstreams().stream().mapToLong(u -> u.refused()).sum(), inverter.upstreams().toString());
    // every event either PDS still holds is in the merged stream exactly once (the PDSes drop a
    // deleted account's events from their own backfill; the inverter took them live)
    Map<String, Integer> byContent = new HashMap<>();
    for (Frame f : served) {
      byContent.merge(java.util.HexFormat.of().formatHex(f.withSeq(0).bytes()), 1, Integer::sum);
    }
    for (Frame f : expected) {
      assertEquals(1, byContent.getOrDefault(java.util.HexFormat.of().formatHex(f.withSeq(0).bytes()), 0),
          "once in the merged stream: " + f);
    }
    assertTrue(byContent.values().stream().allMatch(n -> n == 1), "no event twice");
    dev.atsync.inverter.TestEvents.assertChainsUnbroken(served);
    ReferenceConsumer consumer = closeLater(peers.consume(publicUrl(inverter), 0));
    long lastSeq = served.get(served.size() - 1).seq().orElseThrow();
    consumer.awaitProcessed(lastSeq, WAIT);
    assertEquals(served.stream().map(f -> f.seq().orElseThrow()).collect(Collectors.toList()), consumer.seqs());
    assertEquals(List.of(), consumer.errors());
  }


  /** The inverter's stream from cursor 0, {@code n} frames, read with this project's subscriber. */
  List<Frame> readAll(Inverter inverter, int n) throws Exception {
    List<Frame> frames = new CopyOnWriteArrayList<>();
    try (FirehoseSubscriber sub = FirehoseSubscriber.builder(URI.create(publicUrl(inverter)
        + "/xrpc/com.atproto.sync.subscribeRepos")).cursor(0).lanes(1).handler(frames::add).build()) {
      sub.start();
      awaitTrue(() -> frames.size() >= n, n + " frames from the inverter");
    }
    return new ArrayList<>(frames);
  }

  /**
   * (c) The reference consumer reads the inverter's stream from cursor 0 and then live while a
   * second round of the workload goes on: every message arrives once and in order, every
   * commit's ops authenticate, and the Firehose reports no error.
   */
  @Test
  void theReferenceConsumerReadsTheInverterLive(@TempDir Path dir) throws Exception {
    // this inverter also checks every commit's signature against the PLC directory
    VerifyingCheck signatures = new VerifyingCheck(CommitVerifier.builder()
        .keys(new CachingIdentityResolver(HttpIdentityResolver.builder().plcDirectory(peers.plc()).build()))
        .withoutChainChecks().withoutSeqCheck().build());
    Inverter inverter = inverter(EventLog.over(SqliteEventStore.open(dir, SqliteEventStore.Settings.DEFAULT)), signatures);
    Forwarder forwarder = closeLater(new Forwarder(peers.pdsFirehose(0), List.of(ingestUrl(inverter)), TOKEN,
        Forwarder.Mode.SINGLE));
    ReferenceConsumer consumer = closeLater(peers.consume(publicUrl(inverter), 0));
    workloadRound("c");
    assertConsumerSawEverything(consumer, inverter, forwarder);
  }

  /** (d) The same through two inverter nodes on one JetStream stream, posts spread over both. */
  @Test
  void theReferenceConsumerReadsTwoJetStreamNodes() throws Exception {
    JetStreamNatsCluster nats = closeLater(JetStreamNatsCluster.start(1));
    JetStreamSettings settings = JetStreamSettings.of(nats.url(0)).withStream("ref", "ref.ev");
    Inverter a = inverter(EventLog.over(JetStreamEventStore.connect(settings)));
    Inverter b = inverter(EventLog.over(JetStreamEventStore.connect(settings)));
    Forwarder forwarder = closeLater(new Forwarder(peers.pdsFirehose(0), List.of(ingestUrl(a), ingestUrl(b)), TOKEN,
        Forwarder.Mode.SINGLE));
    ReferenceConsumer consumer = closeLater(peers.consume(publicUrl(b), 0));
    workloadRound("d");
    assertConsumerSawEverything(consumer, b, forwarder);
  }

  /**
   * (e) This project's subscriber with a strict verifier (signatures checked) on the inverter's
   * stream: zero findings.
   */
  @Test
  void theProjectsSubscriberVerifiesTheInvertersStream() throws Exception {
    Inverter inverter = inverter(EventLog.inMemory());
    long last = peers.lastSeq(0);
    Forwarder forwarder = closeLater(new Forwarder(peers.pdsFirehose(0), List.of(ingestUrl(inverter)), TOKEN,
        Forwarder.Mode.BATCHED));
    List<Long> seqs = forwarder.awaitForwarded(last, WAIT);
    CommitVerifier verifier = strictWithSignatures();
    List<String> findings = new CopyOnWriteArrayList<>();
    try (FirehoseSubscriber sub = FirehoseSubscriber.builder(URI.create(publicUrl(inverter)
        + "/xrpc/com.atproto.sync.subscribeRepos")).cursor(0).lanes(1).handler(f -> {
          Verdict v = verifier.verify(f);
          if (v.status() != Verdict.Status.VALID || !v.findings().isEmpty()) {
            findings.add("seq " + f.seq().orElse(-1) + " " + f.type().orElse("?") + ": " + v);
          }
        }).build()) {
      sub.start();
      long target = seqs.get(seqs.size() - 1);
      awaitTrue(() -> sub.processedSeq() >= target, "the inverter's stream up to seq " + target);
    }
    assertEquals(List.of(), findings);
  }

  /**
   * Waits until the forwarder has posted everything PDS 0 emitted and the consumer has processed
   * it all, then checks: each inverter seq once, in order; no error; one event per #sync,
   * #identity and #account; one authenticated event per op of each #commit.
   */
  void assertConsumerSawEverything(ReferenceConsumer consumer, Inverter inverter, Forwarder forwarder)
      throws Exception {
    List<Long> posted = forwarder.awaitForwarded(peers.lastSeq(0), WAIT);
    assertEquals(List.of(), forwarder.failures);
    List<Frame> served = readAll(inverter, posted.size());
    List<Long> expected = served.stream().map(f -> f.seq().orElseThrow()).collect(Collectors.toList());
    assertEquals(posted.stream().sorted().collect(Collectors.toList()), expected, "the inverter serves what it acknowledged");
    consumer.awaitProcessed(expected.get(expected.size() - 1), WAIT);
    assertEquals(expected, consumer.seqs(), "every message once, in order");
    assertEquals(List.of(), consumer.errors());
    Map<Long, Integer> eventsPerSeq = new HashMap<>();
    for (JsonNode e : consumer.events()) {
      eventsPerSeq.merge(e.get("seq").asLong(), 1, Integer::sum);
    }
    for (Frame f : served) {
      long seq = f.seq().orElseThrow();
      int expectedEvents = f.event() instanceof CommitEvent c ? c.ops().size() : 1;
      assertEquals(expectedEvents, eventsPerSeq.getOrDefault(seq, 0), "events for seq " + seq + " "
          + f.type().orElse("?"));
    }
  }

  static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }
}
