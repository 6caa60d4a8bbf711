package dev.atsync.firehose;

import dev.atsync.cbor.CborException;
import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.CborWriter;
import dev.atsync.cbor.Value;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.InvalidSyntaxException;
import dev.atsync.syntax.Tid;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One event-stream frame: a DAG-CBOR header {@code {op, t}} followed by a DAG-CBOR body, as sent
 * in one WebSocket binary message of {@code com.atproto.sync.subscribeRepos}.
 *
 * <p>Decoding is strict DAG-CBOR for both parts, and indexes the few body fields that routing
 * needs ({@code seq}, the account DID, {@code rev}) without decoding the rest; {@link #event()}
 * decodes the typed message on demand. The original bytes are kept, so a frame can be forwarded
 * unchanged or {@linkplain #withSeq re-sequenced} by splicing the new {@code seq} value into the
 * bytes, leaving the blocks untouched.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Frame {
  /** Header {@code op} of a message frame. */
  public static final int OP_MESSAGE = 1;
  /** Header {@code op} of an error frame. */
  public static final int OP_ERROR = -1;

  private final byte[] bytes;
  private final int op;
  private final String type;
  private final int bodyStart;
  private final long seq;
  private final int seqStart;
  private final int seqEnd;
  private final Did did;
  private final Tid rev;
  private final FrameLimits limits;
  private volatile Object decoded;

  private Frame(byte[] bytes, int op, String type, int bodyStart, long seq, int seqStart, int seqEnd,
      Did did, Tid rev, FrameLimits limits) {
    this.bytes = bytes;
    this.op = op;
    this.type = type;
    this.bodyStart = bodyStart;
    this.seq = seq;
    this.seqStart = seqStart;
    this.seqEnd = seqEnd;
    this.did = did;
    this.rev = rev;
    this.limits = limits;
  }

  /** Decodes exactly one frame under the default limits. */
  public static Frame decode(byte[] bytes) {
    return decode(bytes, FrameLimits.DEFAULT);
  }

  /**
   * Decodes exactly one frame.
   *
   * @throws InvalidFrameException if the bytes are not one well-formed frame within the limits
   */
  public static Frame decode(byte[] bytes, FrameLimits limits) {
    int[] end = new int[1];
    Frame f = parse(bytes, 0, bytes.length, limits, end);
    if (end[0] != bytes.length) {
      throw new InvalidFrameException(
          (bytes.length - end[0]) + " trailing bytes after the frame body", null, end[0]);
    }
    return f;
  }

  /**
   * Decodes the one frame that starts at {@code offset}, ignoring what follows it (for reading
   * captured streams frame by frame).
   */
  public static Frame decodeFirst(byte[] data, int offset) {
    return parse(data, offset, data.length, FrameLimits.DEFAULT, new int[1]);
  }

  /** Decodes a concatenation of frames under the default limits. */
  public static List<Frame> decodeAll(byte[] concatenated) {
    return decodeAll(concatenated, FrameLimits.DEFAULT, Integer.MAX_VALUE);
  }

  /**
   * Decodes frames written back to back, as in an ingest request body.
   *
   * @param maxFrames most frames accepted
   * @throws InvalidFrameException naming the index of the first bad frame
   */
  public static List<Frame> decodeAll(byte[] concatenated, FrameLimits limits, int maxFrames) {
    List<Frame> frames = new ArrayList<>();
    int off = 0;
    int[] end = new int[1];
    while (off < concatenated.length) {
      if (frames.size() >= maxFrames) {
        throw new InvalidFrameException("more than " + maxFrames + " frames", null, off)
            .inFrame(frames.size(), 0);
      }
      try {
        frames.add(parse(concatenated, off, concatenated.length, limits, end));
      } catch (InvalidFrameException e) {
        throw e.inFrame(frames.size(), off);
      }
      off = end[0];
    }
    return frames;
  }

  private static Frame parse(byte[] data, int off, int limit, FrameLimits limits, int[] endOut) {
    int op = 0;
    String type = null;
    boolean sawOp = false;
    try {
      CborReader r = new CborReader(data, off, limit - off, limits.maxDepth());
      if (r.peekKind() != Value.Kind.MAP) {
        throw new InvalidFrameException("header must be a map", "header", 0);
      }
      int n = r.readMapHeader();
      for (int i = 0; i < n; i++) {
        String key = r.readKey();
        if (key.equals("op")) {
          int at = r.position() - off;
          if (r.peekKind() != Value.Kind.INTEGER) {
            throw new InvalidFrameException("op must be an integer", "header.op", at);
          }
          long v = r.readLong();
          if (v != OP_MESSAGE && v != OP_ERROR) {
            throw new InvalidFrameException("unknown op " + v + " (expected 1 or -1)", "header.op", at);
          }
          op = (int) v;
          sawOp = true;
        } else if (key.equals("t")) {
          if (r.peekKind() != Value.Kind.TEXT) {
            throw new InvalidFrameException("t must be text", "header.t", r.position() - off);
          }
          type = r.readText();
        } else {
          r.skipValue();
        }
      }
      if (!sawOp) {
        throw new InvalidFrameException("header has no op", "header.op", 0);
      }
      if (op == OP_MESSAGE && type == null) {
        throw new InvalidFrameException("message header has no t", "header.t", 0);
      }
      int bodyStart = r.position();
      if (bodyStart >= limit) {
        throw new InvalidFrameException("frame has a header but no body", "body", bodyStart - off);
      }
      if (r.peekKind() != Value.Kind.MAP) {
        throw new InvalidFrameException("body must be a map", "body", bodyStart - off);
      }
      long seq = -1;
      int seqStart = -1;
      int seqEnd = -1;
      Did did = null;
      Tid rev = null;
      n = r.readMapHeader();
      for (int i = 0; i < n; i++) {
        String key = r.readKey();
        Value.Kind kind = r.peekKind();
        if (key.equals("seq") && kind == Value.Kind.INTEGER) {
          seqStart = r.position();
          seq = r.readLong();
          seqEnd = r.position();
        } else if ((key.equals("repo") || key.equals("did")) && kind == Value.Kind.TEXT && op == OP_MESSAGE) {
          did = indexDid(r.readText());
        } else if (key.equals("rev") && kind == Value.Kind.TEXT) {
          rev = indexTid(r.readText());
        } else {
          r.skipValue();
        }
        if (r.position() - off > limits.maxFrameBytes()) {
          break;
        }
      }
      int end = r.position();
      if (end - off > limits.maxFrameBytes()) {
        throw InvalidFrameException.overLimit(
            "frame exceeds " + limits.maxFrameBytes() + " bytes", null, limits.maxFrameBytes());
      }
      endOut[0] = end;
      byte[] copy = Arrays.copyOfRange(data, off, end);
      return new Frame(copy, op, type, bodyStart - off, seq,
          seqStart < 0 ? -1 : seqStart - off, seqEnd < 0 ? -1 : seqEnd - off, did, rev, limits);
    } catch (CborException e) {
      throw new InvalidFrameException("malformed DAG-CBOR: " + e.detail(), null, e.offset() - off, e);
    }
  }

  /**
   * The index keeps only a DID that parses: the typed decode ({@link #event()}) is where a
   * malformed one is reported, naming its field, so that a frame with a bad DID still decodes
   * and can be handed to a verifier.
   */
  private static Did indexDid(String s) {
    try {
      return Did.parse(s);
    } catch (InvalidSyntaxException e) {
      return null;
    }
  }

  /** As {@link #indexDid} for the rev. */
  private static Tid indexTid(String s) {
    try {
      return Tid.parse(s);
    } catch (InvalidSyntaxException e) {
      return null;
    }
  }

  /** Encodes a message frame: header {@code {t: type, op: 1}} and the given body bytes. */
  static Frame ofMessage(String type, byte[] body) {
    CborWriter w = new CborWriter(body.length + 16 + type.length());
    w.writeMapHeader(2);
    w.writeKey("t");
    w.writeText(type);
    w.writeKey("op");
    w.writeLong(OP_MESSAGE);
    return assemble(w, body);
  }

  /** Encodes an error frame: header {@code {op: -1}} and body {@code {error, message?}}. */
  public static Frame ofError(StreamError error) {
    CborWriter w = new CborWriter(64);
    w.writeMapHeader(1);
    w.writeKey("op");
    w.writeLong(OP_ERROR);
    return assemble(w, error.encodeBody());
  }

  /** Encodes a typed event as a message frame. */
  public static Frame of(StreamEvent event) {
    return ofMessage(event.type(), event.encodeBody());
  }

  private static Frame assemble(CborWriter header, byte[] body) {
    byte[] h = header.toByteArray();
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return decode(all, FrameLimits.DEFAULT);
  }

  /** Whether this is an error frame ({@code op = -1}). */
  public boolean isError() {
    return op == OP_ERROR;
  }

  /** The header {@code op}: {@link #OP_MESSAGE} or {@link #OP_ERROR}. */
  public int op() {
    return op;
  }

  /** The header {@code t}, such as {@code #commit}; empty for error frames. */
  public Optional<String> type() {
    return Optional.ofNullable(type);
  }

  /** The body's {@code seq}, when it has an integer one. */
  public OptionalLong seq() {
    return seqStart < 0 ? OptionalLong.empty() : OptionalLong.of(seq);
  }

  /**
   * The account the message is about: {@code repo} of a {@code #commit}, {@code did} of the
   * others; read from the body index without decoding the message.
   *
   * @return the DID, or empty when the body has none or it does not parse (then {@link #event()}
   *     fails, naming the field)
   */
  public Optional<Did> did() {
    return Optional.ofNullable(did);
  }

  /**
   * The body's {@code rev} ({@code #commit} and {@code #sync}), from the body index.
   *
   * @return the rev, or empty when the body has none or it does not parse
   */
  public Optional<Tid> rev() {
    return Optional.ofNullable(rev);
  }

  /** Size of the frame in bytes. */
  public int length() {
    return bytes.length;
  }

  /**
   * A copy of the frame's bytes, exactly as decoded or spliced.
   *
   * @return a fresh array
   */
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * A read-only view of the frame's bytes, without copying. For the paths where a frame is sent
   * or stored as it is, many times over (an inverter's fan-out to every subscriber, a log append):
   * a copy per use would cost more than the rest of the work. The view's position is 0 and its
   * limit the frame's length.
   *
   * @return a read-only buffer over the frame
   */
  public ByteBuffer bytesView() {
    return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  /** Copies the frame's bytes into {@code out} at {@code off}. */
  public void copyTo(byte[] out, int off) {
    System.arraycopy(bytes, 0, out, off, bytes.length);
  }

  /** A copy of the body's bytes. */
  public byte[] bodyBytes() {
    return Arrays.copyOfRange(bytes, bodyStart, bytes.length);
  }

  /**
   * This frame with its body's {@code seq} replaced, splicing the new integer into the bytes:
   * nothing else is re-encoded, so the blocks and every other field stay byte-identical.
   *
   * @throws IllegalStateException if the body has no integer {@code seq}
   * @throws IllegalArgumentException if {@code newSeq} is negative
   */
  public Frame withSeq(long newSeq) {
    if (seqStart < 0) {
      throw new IllegalStateException("frame has no seq to replace");
    }
    if (newSeq < 0) {
      throw new IllegalArgumentException("seq must not be negative: " + newSeq);
    }
    CborWriter w = new CborWriter(9);
    w.writeLong(newSeq);
    byte[] v = w.toByteArray();
    byte[] out = new byte[bytes.length - (seqEnd - seqStart) + v.length];
    System.arraycopy(bytes, 0, out, 0, seqStart);
    System.arraycopy(v, 0, out, seqStart, v.length);
    System.arraycopy(bytes, seqEnd, out, seqStart + v.length, bytes.length - seqEnd);
    return new Frame(out, op, type, bodyStart, newSeq, seqStart, seqStart + v.length, did, rev, limits);
  }

  /**
   * The typed message, decoded on first use. Unknown types give an {@link UnknownEvent} that
   * keeps the body bytes.
   *
   * @throws IllegalStateException if this is an error frame
   * @throws InvalidFrameException if the body does not match its type's schema
   */
  public StreamEvent event() {
    if (op != OP_MESSAGE) {
      throw new IllegalStateException("error frame has no event; use error()");
    }
    Object d = decoded;
    if (d == null) {
      decoded = d = EventDecoder.decode(type, bytes, bodyStart, limits);
    }
    return (StreamEvent) d;
  }

  /**
   * The error of an error frame.
   *
   * @throws IllegalStateException if this is a message frame
   * @throws InvalidFrameException if the body is not {@code {error, message?}}
   */
  public StreamError error() {
    if (op != OP_ERROR) {
      throw new IllegalStateException("message frame has no error; use event()");
    }
    Object d = decoded;
    if (d == null) {
      decoded = d = EventDecoder.decodeError(bytes, bodyStart, limits);
    }
    return (StreamError) d;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Frame f && Arrays.equals(bytes, f.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "Frame[" + (op == OP_ERROR ? "error" : type) + (seqStart >= 0 ? " seq=" + seq : "")
        + (did != null ? " " + did : "") + ", " + bytes.length + " bytes]";
  }
}
