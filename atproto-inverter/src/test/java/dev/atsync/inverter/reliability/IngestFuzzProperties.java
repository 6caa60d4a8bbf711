package dev.atsync.inverter.reliability;

import dev.atsync.cbor.Value;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.RawPeer;
import dev.atsync.inverter.TestEvents;
import dev.atsync.inverter.VerifyingCheck;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Fuzzing what peers send, each property with a fixed number of tries and within a fixed time
 * budget ({@code -Datsync.fuzz.seconds}, default 8 s: tries past it are discarded, so a slow
 * machine runs fewer, not longer): ingest bodies (random, and valid bodies mutated,
 * truncated and spliced), frames, commit CARs (real commits, mutated, through the verifying
 * check), and cursors over a real socket. Whatever comes in, the answer is a protocol answer
 * (stored, or a 400/409/413 refusal that stores nothing), never another exception, and the
 * inverter stays live and ready.
 */
@Tag("reliability")
class IngestFuzzProperties {
  private static final long BUDGET_NANOS = Long.getLong("atsync.fuzz.seconds", 8) * 1_000_000_000L;
  private static final Set<Integer> REFUSALS = Set.of(400, 409, 413);
  private static Inverter structural;
  private static Inverter open;
  private static List<byte[]> validBodies;
  private static List<byte[]> realCommits;
  private long deadline;

  @BeforeContainer
  static void start() {
    structural = Inverter.builder().log(EventLog.inMemory()).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly().check(VerifyingCheck.structural()).onFatalError(t -> { }).build().start();
    open = Inverter.builder().log(EventLog.inMemory()).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly().check(EventCheck.NONE).onFatalError(t -> { }).build().start();
    validBodies = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String did = TestEvents.did(i);
      validBodies.add(TestEvents.concat(List.of(TestEvents.identity(did), TestEvents.commit(did, TestEvents.nextRev(),
          16 + 40 * i))));
    }
    realCommits = new ArrayList<>();
    Repository repo = Repository.create(dev.atsync.syntax.Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz"), PrivateKey.generate(Curve.SECP256K1),
        BlockStore.inMemory());
    for (int i = 0; i < 6; i++) {
      CommitEvent e = CommitEvent.of(repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/p" + i),
          new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of("fuzz " + i),
              "createdAt", Value.of("2026-11-23T07:00:00.000Z")))))), 1, Instant.now());
      realCommits.add(e.toFrame().bytes());
    }
  }

  @AfterContainer
  static void stop() {
    structural.close();
    open.close();
  }

  @BeforeProperty
  void budget() {
    deadline = System.nanoTime() + BUDGET_NANOS;
  }

  private void withinBudget() {
    Assume.that(System.nanoTime() < deadline);
  }

  /** Publishes; a refusal must be a protocol refusal, and nothing else may escape. */
  static void publishAndJudge(Inverter inv, byte[] body) {
    long before = lastSeq(inv);
    try {
      inv.publish(body);
    } catch (IngestException e) {
      if (!REFUSALS.contains(e.status())) {
        throw new AssertionError("not a refusal: " + e, e);
      }
      if (lastSeq(inv) != before) {
        throw new AssertionError("a refused body stored something: " + e);
      }
    }
    if (!inv.live() || !inv.ready()) {
      throw new AssertionError("the inverter is no longer live and ready");
    }
  }

  static long lastSeq(Inverter inv) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^atsync_inverter_last_seq (\\S+)$")
        .matcher(inv.metricsText());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  @Provide
  Arbitrary<byte[]> mutatedBodies() {
    Arbitrary<byte[]> base = Arbitraries.of(validBodies);
    return Combinators.combine(base, Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 1 << 20),
        Arbitraries.bytes(), Arbitraries.integers().between(1, 8)).as((b, how, at, value, n) -> mutate(b, how, at,
        value, n));
  }

  /** Flip, overwrite, insert, delete, truncate, duplicate, or splice bytes of a valid body. */
  static byte[] mutate(byte[] b, int how, int at, byte value, int n) {
    byte[] c = b.clone();
    int i = at % c.length;
    switch (how) {
      case 0 -> c[i] ^= (byte) (1 << (n % 8));
      case 1 -> {
        for (int k = 0; k < n && i + k < c.length; k++) {
          c[i + k] = value;
        }
      }
      case 2 -> {
        byte[] d = new byte[c.length + n];
        System.arraycopy(c, 0, d, 0, i);
        java.util.Arrays.fill(d, i, i + n, value);
        System.arraycopy(c, i, d, i + n, c.length - i);
        c = d;
      }
      case 3 -> {
        int k = Math.min(n, c.length - i);
        byte[] d = new byte[c.length - k];
        System.arraycopy(c, 0, d, 0, i);
        System.arraycopy(c, i + k, d, i, c.length - i - k);
        c = d;
      }
      case 4 -> c = java.util.Arrays.copyOf(c, i);
      case 5 -> {
        byte[] d = new byte[c.length * 2];
        System.arraycopy(c, 0, d, 0, c.length);
        System.arraycopy(c, 0, d, c.length, c.length);
        c = d;
      }
      case 6 -> c[i] = (byte) (0x9f + (n % 2)); // an indefinite-length or large header where one was
      default -> {
        // length fields at their maximum: a CBOR head claiming a huge item
        c[i] = (byte) 0x5b;
        for (int k = 1; k <= 8 && i + k < c.length; k++) {
          c[i + k] = (byte) 0x7f;
        }
      }
    }
    return c;
  }

  @Property(tries = 40_000, maxDiscardRatio = 1_000_000)
  void randomBodiesAreRefusedCleanly(@ForAll("randomBodies") byte[] body) {
    withinBudget();
    publishAndJudge(open, body);
  }

  @Provide
  Arbitrary<byte[]> randomBodies() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(4096);
  }

  @Property(tries = 40_000, maxDiscardRatio = 1_000_000)
  void mutatedBodiesAreStoredOrRefusedCleanly(@ForAll("mutatedBodies") byte[] body) {
    withinBudget();
    publishAndJudge(open, body);
  }

  @Property(tries = 200_000, maxDiscardRatio = 1_000_000)
  void mutatedFramesDecodeOrFailWithTheirOwnException(@ForAll("mutatedBodies") byte[] body) {
    withinBudget();
    try {
      for (Frame f : Frame.decodeAll(body, dev.atsync.firehose.FrameLimits.DEFAULT, 1000)) {
        f.seq();
        f.type();
        if (!f.isError()) {
          try {
            f.event();
          } catch (dev.atsync.cbor.DataModelException e) {
            // the body of a well-framed message may still be invalid: its own exception family
          }
        }
      }
    } catch (dev.atsync.cbor.DataModelException e) {
      // refused as malformed: fine
    }
  }

  @Provide
  Arbitrary<byte[]> mutatedCommits() {
    return Combinators.combine(Arbitraries.of(realCommits), Arbitraries.integers().between(0, 7),
        Arbitraries.integers().between(0, 1 << 20), Arbitraries.bytes(), Arbitraries.integers().between(1, 8))
        .as(IngestFuzzProperties::mutate);
  }

  /** Real commits (their CAR, commit object, MST, records) mutated, through the default verifying check. */
  @Property(tries = 60_000, maxDiscardRatio = 1_000_000)
  void mutatedCommitCarsAreVerifiedOrRefusedCleanly(@ForAll("mutatedCommits") byte[] body) {
    withinBudget();
    publishAndJudge(structural, body);
  }

  @Provide
  Arbitrary<String> cursors() {
    return Arbitraries.oneOf(
        Arbitraries.longs().map(String::valueOf),
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings().withChars("0123456789.-+eE x").ofMaxLength(25),
        Arbitraries.doubles().map(String::valueOf));
  }

  /** Any cursor is a 101 (a non-negative integer) or a 400 InvalidRequest before the upgrade, over a real socket. */
  @Property(tries = 4_000, maxDiscardRatio = 1_000_000)
  void anyCursorIsAnUpgradeOrAnXrpc400(@ForAll("cursors") String cursor) throws IOException {
    withinBudget();
    boolean valid = cursor.matches("[0-9]{1,18}");
    try (RawPeer p = RawPeer.connect(open.publicPort())) {
      RawPeer.Answer a = p.handshake("/xrpc/com.atproto.sync.subscribeRepos?cursor="
          + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
      if (valid) {
        if (a.status() != 101) {
          throw new AssertionError("cursor " + cursor + ": " + a);
        }
      } else if (a.status() != 400 || !a.body().contains("\"error\":\"InvalidRequest\"")) {
        if (!(cursor.matches("[0-9]{19}") && a.status() == 101)) {
          throw new AssertionError("cursor '" + cursor + "': " + a.status() + " " + a.body());
        }
      }
    }
    if (!open.ready()) {
      throw new AssertionError("not ready");
    }
  }
}
