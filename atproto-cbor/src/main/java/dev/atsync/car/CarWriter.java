package dev.atsync.car;

import dev.atsync.cbor.CborWriter;
import dev.atsync.cid.Cid;
import dev.atsync.cid.Varint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * Writes CAR v1: the header ({@code {roots, version: 1}} as canonical DAG-CBOR) on construction,
 * then one section per {@link #write(CarBlock)}. Blocks are written as given; the writer does not
 * re-hash them ({@link CarBlock#ofDagCbor(byte[])} computes a correct CID). I/O failures surface
 * as {@link UncheckedIOException}. The writer does not close the stream.
 */
public final class CarWriter {
  private final OutputStream out;
  private final byte[] varint = new byte[Varint.MAX_LENGTH];

  /** Writes the header for {@code roots} to {@code out}. */
  public CarWriter(OutputStream out, List<Cid> roots) {
    this.out = Objects.requireNonNull(out, "out");
    CborWriter w = new CborWriter();
    w.writeMapHeader(2);
    w.writeKey("roots");
    w.writeListHeader(roots.size());
    for (Cid root : roots) {
      w.writeLink(root);
    }
    w.writeKey("version");
    w.writeLong(1);
    try {
      writeVarint(w.size());
      out.write(w.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes one section: varint length, binary CID, block bytes. */
  public void write(CarBlock block) {
    try {
      writeVarint((long) Cid.BINARY_LENGTH + block.length());
      out.write(block.cid().toBytes());
      block.writeBytesTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A whole CAR file in memory. */
  public static byte[] write(List<Cid> roots, Iterable<CarBlock> blocks) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CarWriter w = new CarWriter(bytes, roots);
    for (CarBlock b : blocks) {
      w.write(b);
    }
    return bytes.toByteArray();
  }

  private void writeVarint(long v) throws IOException {
    int n = Varint.write(v, varint, 0);
    out.write(varint, 0, n);
  }
}
