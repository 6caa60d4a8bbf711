package dev.atsync.car;

import dev.atsync.cbor.CborWriter;
import dev.atsync.cid.Cid;
import dev.atsync.cid.Varint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Writes CAR v1: a header with the roots, then each block as a varint-prefixed section of CID and
 * bytes. The writer does not hash blocks; callers pass CIDs they computed. Not thread-safe.
 */
public final class CarWriter implements AutoCloseable {
  private final OutputStream out;
  private final byte[] varint = new byte[Varint.MAX_LENGTH];
  private final byte[] cidBytes = new byte[Cid.BINARY_LENGTH];

  /** Writes the header for {@code roots} to {@code out}. */
  public CarWriter(OutputStream out, List<Cid> roots) throws IOException {
    this.out = out;
    CborWriter w = new CborWriter(64 + roots.size() * 42);
    w.writeMapHeader(2);
    w.writeKey("roots");
    w.writeListHeader(roots.size());
    for (Cid r : roots) {
      w.writeLink(r);
    }
    w.writeKey("version");
    w.writeLong(1);
    byte[] header = w.toByteArray();
    out.write(varint, 0, Varint.write(header.length, varint, 0));
    out.write(header);
  }

  /** Writes one block. */
  public void write(Cid cid, byte[] bytes) throws IOException {
    write(cid, bytes, 0, bytes.length);
  }

  /** Writes one block from {@code bytes[off, off+len)}. */
  public void write(Cid cid, byte[] bytes, int off, int len) throws IOException {
    out.write(varint, 0, Varint.write((long) Cid.BINARY_LENGTH + len, varint, 0));
    cid.writeTo(cidBytes, 0);
    out.write(cidBytes);
    out.write(bytes, off, len);
  }

  /** Writes one block. */
  public void write(CarBlock block) throws IOException {
    write(block.cid(), block.bytes());
  }

  /** A whole CAR in memory: one root and the blocks in map order. */
  public static byte[] toBytes(Cid root, Map<Cid, byte[]> blocks) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + blocks.size() * 128);
    try (CarWriter w = new CarWriter(bytes, List.of(root))) {
      for (Map.Entry<Cid, byte[]> e : blocks.entrySet()) {
        w.write(e.getKey(), e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Flushes; does not close the stream (the caller owns it). */
  @Override
  public void close() throws IOException {
    out.flush();
  }
}
