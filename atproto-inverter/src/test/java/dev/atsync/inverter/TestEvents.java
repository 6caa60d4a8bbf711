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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Structurally valid events for ingest tests that do not verify commits. */
final class TestEvents {
  private static final char[] S32 = "234567abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final AtomicLong CLOCK = new AtomicLong(1_700_000_000_000_000L);
  static final Datetime TIME = Datetime.parse("2026-11-23T07:00:00.000Z");

  private TestEvents() {}

  /** A TID (13 base32-sortable characters) from a strictly increasing microsecond counter. */
  static String nextRev() {
    long v = CLOCK.incrementAndGet() << 10;
    char[] c = new char[13];
    for (int i = 12; i >= 0; i--) {
      c[i] = S32[(int) (v & 31)];
      v >>>= 5;
    }
    return new String(c);
  }

  /** A did:plc whose 24-character identifier encodes {@code n}. */
  static String did(int n) {
    char[] c = new char[24];
    java.util.Arrays.fill(c, 'a');
    String a = "abcdefghijklmnopqrstuvwxyz234567";
    for (int i = 23, v = n; v > 0; i--, v >>>= 5) {
      c[i] = a.charAt(v & 31);
    }
    return "did:plc:" + new String(c);
  }

  static Frame commit(String did, String rev, int blockBytes) {
    byte[] blocks = new byte[blockBytes];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = (byte) (i * 31 + rev.hashCode());
    }
    Cid c = Cid.ofDagCbor((did + rev).getBytes(StandardCharsets.UTF_8));
    return new CommitEvent(999, false, false, Did.parse(did), c, Tid.parse(rev), Optional.empty(), blocks,
        List.of(CommitOp.create("app.bsky.feed.post/" + rev, c)), List.of(), Optional.empty(), TIME).toFrame();
  }

  /** A {@code #commit} frame whose {@code repo} is any text: the typed event cannot hold a malformed DID. */
  static Frame commitWithRepoText(String repo, String rev) {
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

  static Frame commit(String did, String rev) {
    return commit(did, rev, 64);
  }

  static Frame identity(String did) {
    return new IdentityEvent(1, Did.parse(did), TIME, Optional.of(Handle.parse("alice.example.com"))).toFrame();
  }

  static byte[] concat(List<Frame> frames) {
    int n = frames.stream().mapToInt(Frame::length).sum();
    byte[] out = new byte[n];
    int o = 0;
    for (Frame f : frames) {
      f.copyTo(out, o);
      o += f.length();
    }
    return out;
  }
}
