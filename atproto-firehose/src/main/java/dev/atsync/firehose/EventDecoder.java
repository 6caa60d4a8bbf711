package dev.atsync.firehose;

import dev.atsync.cbor.CborException;
import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import dev.atsync.syntax.InvalidSyntaxException;
import dev.atsync.syntax.Tid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed decoding of message bodies straight from the frame bytes with {@link CborReader}: no
 * generic maps are built. Checks the lexicon's structure (required fields present, types right,
 * nullable versus absent) and parses the syntax types (DID, TID, datetime, handle) as it reads
 * them, so a malformed one is an {@link InvalidFrameException} of kind
 * {@link Violation.Kind#SYNTAX} naming the field; {@link EventValidator} checks op shapes and
 * limits on top. Unknown fields are skipped, as lexicon evolution allows.
 */
final class EventDecoder {
  private EventDecoder() {}

  static StreamEvent decode(String type, byte[] frame, int bodyStart, FrameLimits limits) {
    Body b = new Body(frame, bodyStart, limits);
    try {
      switch (type) {
        case "#commit":
          return commit(b, limits);
        case "#sync":
          return sync(b, limits);
        case "#identity":
          return identity(b);
        case "#account":
          return account(b);
        case "#info":
          return info(b);
        default:
          return new UnknownEvent(type, Arrays.copyOfRange(frame, bodyStart, frame.length));
      }
    } catch (CborException e) {
      throw new InvalidFrameException("malformed DAG-CBOR: " + e.detail(), b.field, e.offset(), e);
    }
  }

  static StreamError decodeError(byte[] frame, int bodyStart, FrameLimits limits) {
    Body b = new Body(frame, bodyStart, limits);
    try {
      String error = null;
      String message = null;
      int n = b.map("error body");
      for (int i = 0; i < n; i++) {
        switch (b.key()) {
          case "error":
            error = b.text();
            break;
          case "message":
            message = b.text();
            break;
          default:
            b.skip();
        }
      }
      return new StreamError(b.required(error, "error"), Optional.ofNullable(message));
    } catch (CborException e) {
      throw new InvalidFrameException("malformed DAG-CBOR: " + e.detail(), b.field, e.offset(), e);
    }
  }

  private static CommitEvent commit(Body b, FrameLimits limits) {
    Long seq = null;
    Boolean rebase = null;
    Boolean tooBig = null;
    Did repo = null;
    Cid commit = null;
    Tid rev = null;
    boolean sawSince = false;
    Tid since = null;
    byte[] blocks = null;
    List<CommitOp> ops = null;
    List<Cid> blobs = null;
    Cid prevData = null;
    Datetime time = null;
    int n = b.map("body");
    for (int i = 0; i < n; i++) {
      switch (b.key()) {
        case "seq":
          seq = b.integer();
          break;
        case "rebase":
          rebase = b.bool();
          break;
        case "tooBig":
          tooBig = b.bool();
          break;
        case "repo":
          repo = b.did();
          break;
        case "commit":
          commit = b.link();
          break;
        case "rev":
          rev = b.tid();
          break;
        case "since":
          sawSince = true;
          since = b.reader.tryReadNull() ? null : b.tid();
          break;
        case "blocks":
          blocks = b.bytes(limits.maxCommitBlocksBytes());
          break;
        case "ops":
          ops = ops(b, limits);
          break;
        case "blobs":
          blobs = links(b, limits.maxCommitOps() * 10);
          break;
        case "prevData":
          prevData = b.link();
          break;
        case "time":
          time = b.datetime();
          break;
        case "prev":
          // deprecated; "nullable and optional" per the lexicon note
          if (!b.reader.tryReadNull()) {
            b.link();
          }
          break;
        default:
          b.skip();
      }
    }
    if (!sawSince) {
      b.missing("since");
    }
    return new CommitEvent(b.required(seq, "seq"), b.required(rebase, "rebase"), b.required(tooBig, "tooBig"),
        b.required(repo, "repo"), b.required(commit, "commit"), b.required(rev, "rev"),
        Optional.ofNullable(since), b.required(blocks, "blocks"), b.required(ops, "ops"),
        b.required(blobs, "blobs"), Optional.ofNullable(prevData), b.required(time, "time"));
  }

  private static List<CommitOp> ops(Body b, FrameLimits limits) {
    int n = b.list("ops");
    if (n > limits.maxCommitOps()) {
      throw InvalidFrameException.overLimit(
          n + " ops exceed the limit of " + limits.maxCommitOps(), "ops", b.reader.position());
    }
    List<CommitOp> ops = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String outer = "ops[" + i + "]";
      b.field = outer;
      String action = null;
      String path = null;
      boolean sawCid = false;
      Cid cid = null;
      Cid prev = null;
      int m = b.map(outer);
      for (int j = 0; j < m; j++) {
        String key = b.reader.readKey();
        b.field = outer + "." + key;
        switch (key) {
          case "action":
            action = b.text();
            break;
          case "path":
            path = b.text();
            break;
          case "cid":
            sawCid = true;
            cid = b.reader.tryReadNull() ? null : b.link();
            break;
          case "prev":
            prev = b.link();
            break;
          default:
            b.skip();
        }
      }
      b.field = outer;
      if (!sawCid) {
        b.missing(outer + ".cid");
      }
      ops.add(new CommitOp(b.required(action, outer + ".action"), b.required(path, outer + ".path"),
          Optional.ofNullable(cid), Optional.ofNullable(prev)));
    }
    return ops;
  }

  private static List<Cid> links(Body b, int max) {
    String field = b.field;
    int n = b.list(field);
    if (n > max) {
      throw InvalidFrameException.overLimit(n + " entries exceed the limit of " + max, field, b.reader.position());
    }
    List<Cid> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      b.field = field + "[" + i + "]";
      out.add(b.link());
    }
    b.field = field;
    return out;
  }

  private static SyncEvent sync(Body b, FrameLimits limits) {
    Long seq = null;
    Did did = null;
    byte[] blocks = null;
    Tid rev = null;
    Datetime time = null;
    int n = b.map("body");
    for (int i = 0; i < n; i++) {
      switch (b.key()) {
        case "seq":
          seq = b.integer();
          break;
        case "did":
          did = b.did();
          break;
        case "blocks":
          blocks = b.bytes(limits.maxSyncBlocksBytes());
          break;
        case "rev":
          rev = b.tid();
          break;
        case "time":
          time = b.datetime();
          break;
        default:
          b.skip();
      }
    }
    return new SyncEvent(b.required(seq, "seq"), b.required(did, "did"), b.required(blocks, "blocks"),
        b.required(rev, "rev"), b.required(time, "time"));
  }

  private static IdentityEvent identity(Body b) {
    Long seq = null;
    Did did = null;
    Datetime time = null;
    Handle handle = null;
    int n = b.map("body");
    for (int i = 0; i < n; i++) {
      switch (b.key()) {
        case "seq":
          seq = b.integer();
          break;
        case "did":
          did = b.did();
          break;
        case "time":
          time = b.datetime();
          break;
        case "handle":
          handle = b.handle();
          break;
        default:
          b.skip();
      }
    }
    return new IdentityEvent(b.required(seq, "seq"), b.required(did, "did"), b.required(time, "time"),
        Optional.ofNullable(handle));
  }

  private static AccountEvent account(Body b) {
    Long seq = null;
    Did did = null;
    Datetime time = null;
    Boolean active = null;
    String status = null;
    int n = b.map("body");
    for (int i = 0; i < n; i++) {
      switch (b.key()) {
        case "seq":
          seq = b.integer();
          break;
        case "did":
          did = b.did();
          break;
        case "time":
          time = b.datetime();
          break;
        case "active":
          active = b.bool();
          break;
        case "status":
          status = b.text();
          break;
        default:
          b.skip();
      }
    }
    return new AccountEvent(b.required(seq, "seq"), b.required(did, "did"), b.required(time, "time"),
        b.required(active, "active"), Optional.ofNullable(status));
  }

  private static InfoEvent info(Body b) {
    String name = null;
    String message = null;
    int n = b.map("body");
    for (int i = 0; i < n; i++) {
      switch (b.key()) {
        case "name":
          name = b.text();
          break;
        case "message":
          message = b.text();
          break;
        default:
          b.skip();
      }
    }
    return new InfoEvent(b.required(name, "name"), Optional.ofNullable(message));
  }

  /** A cursor over one body that knows which field it is in, for error messages. */
  private static final class Body {
    final CborReader reader;
    String field = "body";

    Body(byte[] frame, int bodyStart, FrameLimits limits) {
      this.reader = new CborReader(frame, bodyStart, frame.length - bodyStart, limits.maxDepth());
    }

    int map(String what) {
      expect(Value.Kind.MAP, what + " must be a map");
      return reader.readMapHeader();
    }

    int list(String what) {
      expect(Value.Kind.LIST, "must be a list");
      return reader.readListHeader();
    }

    String key() {
      field = reader.readKey();
      return field;
    }

    long integer() {
      expect(Value.Kind.INTEGER, "must be an integer");
      return reader.readLong();
    }

    boolean bool() {
      expect(Value.Kind.BOOLEAN, "must be a boolean");
      return reader.readBoolean();
    }

    String text() {
      expect(Value.Kind.TEXT, "must be text");
      return reader.readText();
    }

    Did did() {
      return parsed(Did::parse);
    }

    Tid tid() {
      return parsed(Tid::parse);
    }

    Datetime datetime() {
      return parsed(Datetime::parse);
    }

    Handle handle() {
      return parsed(Handle::parse);
    }

    /**
     * A text field parsed as its syntax type; one that does not parse is a {@code SYNTAX}
     * violation naming the field, located at the start of its value.
     */
    <T> T parsed(Function<String, T> parse) {
      int at = reader.position();
      String s = text();
      try {
        return parse.apply(s);
      } catch (InvalidSyntaxException e) {
        throw new InvalidFrameException(Violation.Kind.SYNTAX, e.detail(), field, at, e);
      }
    }

    Cid link() {
      expect(Value.Kind.LINK, "must be a CID link");
      return reader.readLink();
    }

    byte[] bytes(int max) {
      expect(Value.Kind.BYTES, "must be bytes");
      int at = reader.position();
      byte[] b = reader.readBytes();
      if (b.length > max) {
        throw InvalidFrameException.overLimit(b.length + " bytes exceed the limit of " + max, field, at);
      }
      return b;
    }

    void skip() {
      reader.skipValue();
    }

    void expect(Value.Kind kind, String what) {
      Value.Kind k = reader.peekKind();
      if (k != kind) {
        throw new InvalidFrameException(
            what + ", found " + k.name().toLowerCase(java.util.Locale.ROOT), field, reader.position());
      }
    }

    <T> T required(T value, String name) {
      if (value == null) {
        missing(name);
      }
      return value;
    }

    void missing(String name) {
      throw new InvalidFrameException("required field is missing", name, -1);
    }
  }
}
