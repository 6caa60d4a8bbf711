package dev.atsync.firehose;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.cbor.CborWriter;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cid.Cid;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import dev.atsync.syntax.Tid;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FrameTest {
  static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
  static final Datetime TIME = Datetime.parse("2026-11-23T07:00:00.000Z");
  static final Cid CID_A = Cid.ofDagCbor("a".getBytes(StandardCharsets.UTF_8));
  static final Cid CID_B = Cid.ofDagCbor("b".getBytes(StandardCharsets.UTF_8));

  static CommitEvent commit(long seq) {
    return new CommitEvent(seq, false, false, DID, CID_A, tid("3lbf5dnwdbs2c"), Optional.of(tid("3lbf5dnwdbs2b")),
        new byte[] {1, 2, 3, 4}, List.of(CommitOp.create("app.bsky.feed.post/3lbf5dnwdbs2c", CID_B),
            CommitOp.update("app.bsky.actor.profile/self", CID_A, CID_B),
            CommitOp.delete("app.bsky.feed.like/3lbf5dnwdbs2a", CID_B)),
        List.of(), Optional.of(CID_B), TIME);
  }

  static Tid tid(String s) {
    return Tid.parse(s);
  }

  static List<StreamEvent> everyType() {
    return List.of(commit(7),
        new CommitEvent(8, false, false, DID, CID_A, tid("3lbf5dnwdbs2d"), Optional.empty(), new byte[0], List.of(),
            List.of(CID_B), Optional.empty(), TIME),
        new SyncEvent(9, DID, new byte[] {9, 9}, tid("3lbf5dnwdbs2e"), TIME),
        new IdentityEvent(10, DID, TIME, Optional.of(Handle.parse("alice.example.com"))),
        new IdentityEvent(11, DID, TIME, Optional.empty()),
        new AccountEvent(12, DID, TIME, false, Optional.of("deactivated")),
        new AccountEvent(13, DID, TIME, true, Optional.empty()),
        new InfoEvent(InfoEvent.OUTDATED_CURSOR, Optional.of("too old")),
        new InfoEvent("Other", Optional.empty()));
  }

  @Test
  void everyMessageTypeRoundTrips() {
    for (StreamEvent e : everyType()) {
      Frame f = e.toFrame();
      Frame back = Frame.decode(f.bytes());
      assertEquals(e, back.event(), e.type());
      assertEquals(Optional.of(e.type()), back.type());
      assertArrayEquals(f.bytes(), back.event().toFrame().bytes(), "re-encoding is byte-identical");
      // both parts are canonical DAG-CBOR: the strict decoder re-encodes them to the same bytes
      byte[] body = back.bodyBytes();
      assertArrayEquals(body, DagCbor.encode(DagCbor.decode(body)));
    }
  }

  @Test
  void indexesRoutingFields() {
    Frame f = commit(42).toFrame();
    assertEquals(42, f.seq().getAsLong());
    assertEquals(Optional.of(DID), f.did());
    assertEquals(Optional.of(tid("3lbf5dnwdbs2c")), f.rev());
    assertFalse(f.isError());
    Frame info = new InfoEvent("OutdatedCursor", Optional.empty()).toFrame();
    assertTrue(info.seq().isEmpty());
    assertTrue(info.did().isEmpty());
  }

  @Test
  void errorFramesRoundTrip() {
    Frame f = Frame.ofError(StreamError.of(StreamError.FUTURE_CURSOR, "cursor ahead"));
    Frame back = Frame.decode(f.bytes());
    assertTrue(back.isError());
    assertEquals(Frame.OP_ERROR, back.op());
    assertEquals(StreamError.of("FutureCursor", "cursor ahead"), back.error());
    assertTrue(back.type().isEmpty());
    assertThrows(IllegalStateException.class, back::event);
    assertThrows(IllegalStateException.class, () -> commit(1).toFrame().error());
  }

  @Test
  void unknownTypesArePreservedRaw() {
    CborWriter body = new CborWriter();
    body.writeMapHeader(2);
    body.writeKey("seq");
    body.writeLong(5);
    body.writeKey("label");
    body.writeText("x");
    byte[] frame = frame("#labels", body.toByteArray());
    Frame f = Frame.decode(frame);
    UnknownEvent u = assertInstanceOf(UnknownEvent.class, f.event());
    assertEquals("#labels", u.type());
    assertArrayEquals(body.toByteArray(), u.body());
    assertArrayEquals(frame, u.toFrame().bytes());
    assertEquals(5, f.seq().getAsLong());
  }

  @Test
  void withSeqSplicesOnlyTheSeq() {
    for (long from : new long[] {0, 7, 23, 24, 255, 256, 65_535, 65_536, 1L << 32}) {
      CommitEvent e = commit(from);
      Frame f = e.toFrame();
      for (long to : new long[] {0, 1, 23, 24, 255, 256, 65_536, (1L << 32) + 1, Long.MAX_VALUE}) {
        Frame g = f.withSeq(to);
        assertEquals(to, g.seq().getAsLong());
        assertEquals(e.withSeq(to), Frame.decode(g.bytes()).event());
        assertArrayEquals(e.withSeq(to).toFrame().bytes(), g.bytes(), "splice equals a fresh encoding");
      }
    }
    assertThrows(IllegalStateException.class,
        () -> new InfoEvent("OutdatedCursor", Optional.empty()).toFrame().withSeq(3));
    assertThrows(IllegalArgumentException.class, () -> commit(1).toFrame().withSeq(-1));
  }

  @Test
  void decodesConcatenations() {
    List<StreamEvent> all = everyType();
    byte[] joined = concat(all.stream().map(e -> e.toFrame().bytes()).toArray(byte[][]::new));
    List<Frame> frames = Frame.decodeAll(joined);
    assertEquals(all.size(), frames.size());
    for (int i = 0; i < all.size(); i++) {
      assertEquals(all.get(i), frames.get(i).event());
    }
  }

  @Test
  void badFrameInConcatenationIsNamedByIndex() {
    byte[] good = commit(1).toFrame().bytes();
    byte[] bad = Arrays.copyOf(good, good.length - 3);
    InvalidFrameException e = assertThrows(InvalidFrameException.class,
        () -> Frame.decodeAll(concat(good, good, bad)));
    assertEquals(2, e.frameIndex());
    assertTrue(e.getMessage().startsWith("frame 2: "), e.getMessage());
    assertTrue(e.offset() >= 2L * good.length, "offset is within the third frame: " + e.offset());
    assertThrows(InvalidFrameException.class, () -> Frame.decodeAll(concat(good, good), FrameLimits.DEFAULT, 1));
  }

  @Test
  void rejectsMalformedFrames() {
    byte[] good = commit(1).toFrame().bytes();
    assertReject(Arrays.copyOf(good, good.length - 1), null);
    assertReject(concat(good, new byte[] {0}), null);
    assertReject(new byte[0], null);
    assertReject(header(w -> w.writeText("x")), "header");
    assertReject(frameWithHeader(w -> {
      w.writeMapHeader(1);
      w.writeKey("t");
      w.writeText("#commit");
    }, emptyMap()), "header.op");
    assertReject(frameWithHeader(w -> {
      w.writeMapHeader(2);
      w.writeKey("t");
      w.writeText("#commit");
      w.writeKey("op");
      w.writeLong(2);
    }, emptyMap()), "header.op");
    assertReject(frameWithHeader(w -> {
      w.writeMapHeader(1);
      w.writeKey("op");
      w.writeLong(1);
    }, emptyMap()), "header.t");
    CborWriter h = new CborWriter();
    h.writeMapHeader(2);
    h.writeKey("t");
    h.writeText("#commit");
    h.writeKey("op");
    h.writeLong(1);
    assertReject(h.toByteArray(), "body");
    CborWriter list = new CborWriter();
    list.writeListHeader(0);
    assertReject(concat(h.toByteArray(), list.toByteArray()), "body");
  }

  @Test
  void rejectsBodiesThatBreakTheLexicon() {
    // since is required but nullable: absent is an error, null is not
    byte[] noSince = frame("#commit", withoutKey(commit(1).encodeBody(), "since"));
    InvalidFrameException e = assertThrows(InvalidFrameException.class, () -> Frame.decode(noSince).event());
    assertEquals(Optional.of("since"), e.field());
    byte[] noTime = frame("#identity", withoutKey(new IdentityEvent(1, DID, TIME, Optional.empty()).encodeBody(),
        "time"));
    assertEquals(Optional.of("time"),
        assertThrows(InvalidFrameException.class, () -> Frame.decode(noTime).event()).field());
    // seq of the wrong type
    CborWriter b = new CborWriter();
    b.writeMapHeader(3);
    b.writeKey("did");
    b.writeText(DID.value());
    b.writeKey("seq");
    b.writeText("1");
    b.writeKey("time");
    b.writeText(TIME.value());
    InvalidFrameException wrongType = assertThrows(InvalidFrameException.class,
        () -> Frame.decode(frame("#identity", b.toByteArray())).event());
    assertEquals(Optional.of("seq"), wrongType.field());
    assertTrue(wrongType.getMessage().contains("integer"), wrongType.getMessage());
  }

  @Test
  void syntaxTypesAreParsedWhileDecodingAndNamedWhenMalformed() {
    CommitEvent c = commit(1);
    assertSyntax(frame("#commit", withText(c.encodeBody(), "repo", "did:bad")), "repo", "DID");
    assertSyntax(frame("#commit", withText(c.encodeBody(), "rev", "not-a-tid")), "rev", "TID");
    assertSyntax(frame("#commit", withText(c.encodeBody(), "since", "x")), "since", "TID");
    assertSyntax(frame("#commit", withText(c.encodeBody(), "time", "2026-11-23")), "time", "datetime");
    IdentityEvent i = new IdentityEvent(1, DID, TIME, Optional.of(Handle.parse("alice.test")));
    assertSyntax(frame("#identity", withText(i.encodeBody(), "handle", "not a handle")), "handle", "handle");
    assertSyntax(frame("#identity", withText(i.encodeBody(), "time", "2026-13-01T00:00:00Z")), "time", "datetime");
    AccountEvent a = new AccountEvent(1, DID, TIME, true, Optional.empty());
    assertSyntax(frame("#account", withText(a.encodeBody(), "did", "plc:abc")), "did", "DID");
    SyncEvent y = new SyncEvent(1, DID, new byte[0], tid("3lbf5dnwdbs2c"), TIME);
    assertSyntax(frame("#sync", withText(y.encodeBody(), "rev", "nope")), "rev", "TID");
    assertSyntax(frame("#sync", withText(y.encodeBody(), "did", "did:x")), "did", "DID");
  }

  /** The frame still decodes (its index leaves the bad value out); the typed message names the field. */
  static void assertSyntax(byte[] frame, String field, String kind) {
    Frame f = Frame.decode(frame);
    if (field.equals("repo") || field.equals("did")) {
      assertTrue(f.did().isEmpty(), "a malformed DID is not indexed");
    }
    InvalidFrameException e = assertThrows(InvalidFrameException.class, f::event);
    assertEquals(Optional.of(field), e.field(), e.getMessage());
    assertEquals(Optional.of(Violation.Kind.SYNTAX), e.kind(), e.getMessage());
    assertTrue(e.reason().contains(kind), e.getMessage());
    assertTrue(e.offset() > 0, "located in the frame: " + e.getMessage());
  }

  /** The body re-encoded with one text field replaced, through the generic model. */
  static byte[] withText(byte[] body, String key, String text) {
    dev.atsync.cbor.Value.Map m = (dev.atsync.cbor.Value.Map) DagCbor.decode(body);
    java.util.Map<String, dev.atsync.cbor.Value> copy = new java.util.HashMap<>(m.entries());
    copy.put(key, dev.atsync.cbor.Value.of(text));
    return DagCbor.encode(new dev.atsync.cbor.Value.Map(copy));
  }

  @Test
  void enforcesLimits() {
    FrameLimits small = new FrameLimits(1000, 2, 3, 3, 32);
    byte[] f = commit(1).toFrame().bytes();
    InvalidFrameException ops = assertThrows(InvalidFrameException.class, () -> Frame.decode(f, small).event());
    assertTrue(ops.isOverLimit());
    assertEquals(Optional.of("ops"), ops.field());
    FrameLimits tiny = new FrameLimits(50, 200, 2_000_000, 10_000, 32);
    assertTrue(assertThrows(InvalidFrameException.class, () -> Frame.decode(f, tiny)).isOverLimit());
    CommitEvent big = new CommitEvent(1, false, false, DID, CID_A, tid("3lbf5dnwdbs2c"), Optional.empty(),
        new byte[10], List.of(), List.of(), Optional.empty(), TIME);
    FrameLimits blocks = new FrameLimits(5_000_000, 200, 9, 10_000, 32);
    InvalidFrameException e = assertThrows(InvalidFrameException.class,
        () -> Frame.decode(big.toFrame().bytes(), blocks).event());
    assertTrue(e.isOverLimit());
    assertEquals(Optional.of("blocks"), e.field());
  }

  static void assertReject(byte[] bytes, String field) {
    InvalidFrameException e = assertThrows(InvalidFrameException.class, () -> Frame.decode(bytes));
    if (field != null) {
      assertEquals(Optional.of(field), e.field(), e.getMessage());
    }
  }

  interface Writes {
    void to(CborWriter w);
  }

  static byte[] header(Writes h) {
    CborWriter w = new CborWriter();
    h.to(w);
    return concat(w.toByteArray(), emptyMap());
  }

  static byte[] frameWithHeader(Writes h, byte[] body) {
    CborWriter w = new CborWriter();
    h.to(w);
    return concat(w.toByteArray(), body);
  }

  static byte[] emptyMap() {
    CborWriter w = new CborWriter();
    w.writeMapHeader(0);
    return w.toByteArray();
  }

  static byte[] frame(String type, byte[] body) {
    CborWriter w = new CborWriter();
    w.writeMapHeader(2);
    w.writeKey("t");
    w.writeText(type);
    w.writeKey("op");
    w.writeLong(1);
    return concat(w.toByteArray(), body);
  }

  /** The body re-encoded without one key, through the generic model. */
  static byte[] withoutKey(byte[] body, String key) {
    dev.atsync.cbor.Value.Map m = (dev.atsync.cbor.Value.Map) DagCbor.decode(body);
    java.util.Map<String, dev.atsync.cbor.Value> copy = new java.util.HashMap<>(m.entries());
    copy.remove(key);
    return DagCbor.encode(new dev.atsync.cbor.Value.Map(copy));
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
