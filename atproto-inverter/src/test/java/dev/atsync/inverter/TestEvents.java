package dev.atsync.inverter;

import dev.atsync.cid.Cid;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.CommitOp;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.IdentityEvent;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import dev.atsync.syntax.Tid;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Structurally valid events for ingest tests that do not verify commits. */
public final class TestEvents {
  private static final char[] S32 = "234567abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final AtomicLong CLOCK = new AtomicLong(1_700_000_000_000_000L);
  public static final Datetime TIME = Datetime.parse("2026-11-23T07:00:00.000Z");

  private TestEvents() {}

  /** A TID (13 base32-sortable characters) from a strictly increasing microsecond counter. */
  public static String nextRev() {
    long v = CLOCK.incrementAndGet() << 10;
    char[] c = new char[13];
    for (int i = 12; i >= 0; i--) {
      c[i] = S32[(int) (v & 31)];
      v >>>= 5;
    }
    return new String(c);
  }

  /** A did:plc whose 24-character identifier encodes {@code n}. */
  public static String did(int n) {
    char[] c = new char[24];
    java.util.Arrays.fill(c, 'a');
    String a = "abcdefghijklmnopqrstuvwxyz234567";
    for (int i = 23, v = n; v > 0; i--, v >>>= 5) {
      c[i] = a.charAt(v & 31);
    }
    return "did:plc:" + new String(c);
  }

  public static Frame commit(String did, String rev, int blockBytes) {
    byte[] blocks = new byte[blockBytes];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = (byte) (i * 31 + rev.hashCode());
    }
    Cid c = Cid.ofDagCbor((did + rev).getBytes(StandardCharsets.UTF_8));
    return new CommitEvent(999, false, false, Did.parse(did), c, Tid.parse(rev), Optional.empty(), blocks,
        List.of(CommitOp.create("app.bsky.feed.post/" + rev, c)), List.of(), Optional.empty(), TIME).toFrame();
  }

  /** A {@code #commit} frame whose {@code repo} is any text: the typed event cannot hold a malformed DID. */
  public static Frame commitWithRepoText(String repo, String rev) {
    Frame f = commit(did(0), rev);
    byte[] body = f.bodyBytes();
    java.util.Map<String, dev.atsync.cbor.Value> m = new java.util.HashMap<>(
        ((dev.atsync.cbor.Value.Map) dev.atsync.cbor.DagCbor.decode(body)).entries());
    m.put("repo", dev.atsync.cbor.Value.of(repo));
    byte[] newBody = dev.atsync.cbor.DagCbor.encode(new dev.atsync.cbor.Value.Map(m));
    byte[] out = java.util.Arrays.copyOf(f.bytes(), f.length() - body.length + newBody.length);
    System.arraycopy(newBody, 0, out, f.length() - body.length, newBody.length);
    return Frame.decode(out);
  }

  public static Frame commit(String did, String rev) {
    return commit(did, rev, 64);
  }

  public static Frame identity(String did) {
    return new IdentityEvent(1, Did.parse(did), TIME, Optional.of(Handle.parse("alice.example.com"))).toFrame();
  }

  public static byte[] concat(List<Frame> frames) {
    int n = frames.stream().mapToInt(Frame::length).sum();
    byte[] out = new byte[n];
    int o = 0;
    for (Frame f : frames) {
      f.copyTo(out, o);
      o += f.length();
    }
    return out;
  }

  /** The seqs of a {@code POST /events} answer. */
  public static List<Long> seqs(String json) {
    Matcher m = Pattern.compile("\"seqs\":\\[([0-9,]*)]").matcher(json);
    if (!m.find()) {
      throw new AssertionError("no seqs in " + json);
    }
    List<Long> out = new ArrayList<>();
    for (String s : m.group(1).split(",")) {
      if (!s.isEmpty()) {
        out.add(Long.parseLong(s));
      }
    }
    return out;
  }

  /** Each #commit's since is the rev of the account's previous #commit or #sync in the stream. */
  public static void assertChainsUnbroken(List<Frame> stream) {
    java.util.Map<dev.atsync.syntax.Did, dev.atsync.syntax.Tid> lastRev = new java.util.HashMap<>();
    for (Frame f : stream) {
      if (f.event() instanceof dev.atsync.firehose.CommitEvent c) {
        dev.atsync.syntax.Tid prior = lastRev.get(c.repo());
        if (prior != null) {
          org.junit.jupiter.api.Assertions.assertEquals(java.util.Optional.of(prior), c.since(), "the chain of " + c.repo() + " at seq " + c.seq());
        }
        lastRev.put(c.repo(), c.rev());
      } else if (f.event() instanceof dev.atsync.firehose.SyncEvent y) {
        lastRev.put(y.did(), y.rev());
      }
    }
  }
}
