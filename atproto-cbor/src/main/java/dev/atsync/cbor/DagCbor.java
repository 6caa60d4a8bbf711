package dev.atsync.cbor;

import dev.atsync.cid.Cid;

/**
 * The simple entry points of the strict DAG-CBOR codec: whole values in, whole values out. For
 * decoding straight into your own types, use {@link CborReader}; for writing them, {@link
 * CborWriter}.
 */
public final class DagCbor {
  private DagCbor() {}

  /** The canonical DAG-CBOR encoding of {@code value}. */
  public static byte[] encode(Value value) {
    CborWriter w = new CborWriter();
    w.writeValue(value);
    return w.toByteArray();
  }

  /**
   * Decodes exactly one value filling the whole input, strictly, nesting up to {@link
   * CborReader#DEFAULT_MAX_DEPTH}.
   *
   * @throws CborException if the input is not strict DAG-CBOR
   */
  public static Value decode(byte[] data) {
    return decode(data, CborReader.DEFAULT_MAX_DEPTH);
  }

  /** As {@link #decode(byte[])} with a chosen maximum nesting depth (1 to 1024). */
  public static Value decode(byte[] data, int maxDepth) {
    CborReader r = new CborReader(data, 0, data.length, maxDepth);
    Value v = r.readValue();
    r.requireEnd();
    return v;
  }

  /** The dag-cbor CID of {@code value}'s canonical encoding. */
  public static Cid cidOf(Value value) {
    return Cid.ofDagCbor(encode(value));
  }
}
