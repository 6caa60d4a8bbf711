package dev.atsync.cbor;

import dev.atsync.cid.Cid;

/**
 * The simple entry points: encode a {@link Value} canonically, decode bytes strictly, compute the
 * CID of a value. For decoding straight into your own types, use {@link CborReader}.
 */
public final class DagCbor {
  private DagCbor() {}

  /** The canonical DAG-CBOR encoding of {@code value}. */
  public static byte[] encode(Value value) {
    CborWriter w = new CborWriter(256);
    w.writeValue(value);
    return w.toByteArray();
  }

  /**
   * Decodes exactly one value filling all of {@code bytes}, strictly, nesting at most
   * {@link CborReader#DEFAULT_MAX_DEPTH} deep.
   *
   * @throws CborException naming the rule broken and the byte offset
   */
  public static Value decode(byte[] bytes) {
    return decode(bytes, CborReader.DEFAULT_MAX_DEPTH);
  }

  /** As {@link #decode(byte[])} with another depth limit. */
  public static Value decode(byte[] bytes, int maxDepth) {
    CborReader r = new CborReader(bytes, 0, bytes.length, maxDepth);
    Value v = r.readValue();
    r.requireEnd();
    return v;
  }

  /** The dag-cbor CID of {@code value}'s canonical encoding. */
  public static Cid cidOf(Value value) {
    return Cid.ofDagCbor(encode(value));
  }
}
