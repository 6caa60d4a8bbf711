package dev.atsync.car;

import dev.atsync.cbor.CborException;
import dev.atsync.cbor.CborReader;
import dev.atsync.cid.Cid;
import dev.atsync.cid.InvalidCidException;
import dev.atsync.cid.Varint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A streaming CAR v1 reader. The header ({@code {roots, version: 1}}, strict DAG-CBOR) is read on
 * open; blocks are read one at a time with {@link #next()}, and each block's bytes are checked
 * against its CID's hash before it is returned. Every length is checked against the
 * {@link Limits} before anything is allocated, so a hostile CAR cannot exhaust memory.
 *
 * <pre>{@code
 * try (CarReader car = CarReader.open(in, CarReader.Limits.DEFAULT)) {
 *   Cid root = car.roots().get(0);
 *   for (Optional<CarBlock> b = car.next(); b.isPresent(); b = car.next()) { ... }
 * }
 * }</pre>
 *
 * <p>Not thread-safe. Closing closes the stream.
 */
public final class CarReader implements AutoCloseable {
  private final InputStream in;
  private final Limits limits;
  private final List<Cid> roots;
  private long offset;
  private long blocks;

  /**
   * Bounds on what a reader accepts.
   *
   * @param maxHeaderBytes largest header
   * @param maxBlockBytes largest single block
   * @param maxTotalBytes largest CAR
   * @param maxBlocks most blocks
   */
  public record Limits(int maxHeaderBytes, int maxBlockBytes, long maxTotalBytes, long maxBlocks) {
    /** Safe defaults for repository CARs: 2 MiB blocks, 1 GiB total, ten million blocks. */
    public static final Limits DEFAULT = new Limits(64 * 1024, 2 * 1024 * 1024, 1L << 30, 10_000_000);

    /** @throws IllegalArgumentException if a limit is not positive */
    public Limits {
      if (maxHeaderBytes <= 0 || maxBlockBytes <= 0 || maxTotalBytes <= 0 || maxBlocks <= 0) {
        throw new IllegalArgumentException("CAR limits must be positive");
      }
    }
  }

  private CarReader(InputStream in, Limits limits) throws IOException {
    this.in = in;
    this.limits = limits;
    long len = Varint.read(in, 0);
    if (len < 0) {
      throw new CarException("empty input: no CAR header", 0);
    }
    int vlen = Varint.length(len);
    if (len == 0 || len > limits.maxHeaderBytes()) {
      throw new CarException("header length " + len + " outside 1.." + limits.maxHeaderBytes(), 0);
    }
    byte[] header = readFully((int) len, vlen);
    this.roots = parseHeader(header, vlen);
    this.offset = vlen + len;
  }

  /** Opens a CAR stream, reading and validating its header. */
  public static CarReader open(InputStream in, Limits limits) throws IOException {
    try {
      return new CarReader(in, limits);
    } catch (InvalidCidException e) {
      throw new CarException("bad header length: " + e.detail(), e.offset(), e);
    }
  }

  /** Opens a CAR stream under the default limits. */
  public static CarReader open(InputStream in) throws IOException {
    return open(in, Limits.DEFAULT);
  }

  /**
   * A whole CAR in memory: its roots and blocks in file order. The map is unmodifiable; its arrays
   * are read for the one {@link #readAll} call that made this and shared with nothing else, and
   * are not copied on the way out: commit verification reads every block of every message
   * (measured hot path), so the caller owns them as they are.
   *
   * @param roots the header's roots
   * @param blocks each block's bytes (hash-checked) by CID
   */
  public record Contents(List<Cid> roots, Map<Cid, byte[]> blocks) {}

  /**
   * Reads a whole CAR held in memory. Blocks are kept by CID (a block repeated with the same CID
   * is kept once).
   */
  public static Contents readAll(byte[] car, Limits limits) {
    try (CarReader r = open(new ByteArrayInputStream(car), limits)) {
      Map<Cid, byte[]> blocks = new LinkedHashMap<>();
      for (Section s = r.section(); s != null; s = r.section()) {
        blocks.putIfAbsent(s.cid, s.data);
      }
      return new Contents(r.roots(), Collections.unmodifiableMap(blocks));
    } catch (IOException e) {
      throw new IllegalStateException("reading memory cannot fail", e);
    }
  }

  /** The header's roots. */
  public List<Cid> roots() {
    return roots;
  }

  /** Byte offset of the next section. */
  public long offset() {
    return offset;
  }

  /**
   * The next block, or empty at the end of the CAR.
   *
   * @throws CarException if the section is malformed, over a limit, or the bytes do not match the CID
   */
  public Optional<CarBlock> next() throws IOException {
    Section s = section();
    return s == null ? Optional.empty() : Optional.of(new CarBlock(s.cid, s.data));
  }

  /** A verified block, without the defensive copies of {@link CarBlock}. */
  private record Section(Cid cid, byte[] data) {}

  private Section section() throws IOException {
    long at = offset;
    long len;
    try {
      len = Varint.read(in, at);
    } catch (InvalidCidException e) {
      throw new CarException("bad section length: " + e.detail(), at, e);
    }
    if (len < 0) {
      return null;
    }
    int vlen = Varint.length(len);
    if (++blocks > limits.maxBlocks()) {
      throw new CarException("more than " + limits.maxBlocks() + " blocks", at);
    }
    if (len < Cid.BINARY_LENGTH) {
      throw new CarException("section of " + len + " bytes cannot hold a CID", at);
    }
    if (len - Cid.BINARY_LENGTH > limits.maxBlockBytes()) {
      throw new CarException("block of " + (len - Cid.BINARY_LENGTH) + " bytes exceeds the limit of "
          + limits.maxBlockBytes(), at);
    }
    if (at + vlen + len > limits.maxTotalBytes()) {
      throw new CarException("CAR exceeds the limit of " + limits.maxTotalBytes() + " bytes", at);
    }
    byte[] section = readFully((int) len, at + vlen);
    Cid cid;
    try {
      int n = Cid.prefixLength(section, 0, section.length);
      cid = Cid.decode(section, 0, n);
    } catch (InvalidCidException e) {
      throw new CarException("bad block CID: " + e.detail(), at + vlen, e);
    }
    int dataLen = section.length - Cid.BINARY_LENGTH;
    if (!cid.matches(section, Cid.BINARY_LENGTH, dataLen)) {
      throw new CarException("block bytes do not hash to their CID", at + vlen, cid);
    }
    byte[] data = java.util.Arrays.copyOfRange(section, Cid.BINARY_LENGTH, section.length);
    offset = at + vlen + len;
    return new Section(cid, data);
  }

  private static List<Cid> parseHeader(byte[] header, int base) {
    try {
      CborReader r = new CborReader(header);
      int n = r.readMapHeader();
      List<Cid> roots = null;
      Long version = null;
      for (int i = 0; i < n; i++) {
        String key = r.readKey();
        if (key.equals("roots")) {
          int count = r.readListHeader();
          roots = new ArrayList<>(count);
          for (int j = 0; j < count; j++) {
            roots.add(r.readLink());
          }
        } else if (key.equals("version")) {
          version = r.readLong();
        } else {
          throw new CarException("unexpected header field '" + key + "'", base);
        }
      }
      r.requireEnd();
      if (version == null || version != 1) {
        throw new CarException("CAR version must be 1, got " + version, base);
      }
      if (roots == null) {
        throw new CarException("CAR header has no roots", base);
      }
      return Collections.unmodifiableList(roots);
    } catch (CborException e) {
      throw new CarException("malformed header: " + e.detail(), base + e.offset(), e);
    }
  }

  private byte[] readFully(int n, long at) throws IOException {
    byte[] b = new byte[n];
    int got = in.readNBytes(b, 0, n);
    if (got < n) {
      throw new CarException("truncated: expected " + n + " bytes, got " + got, at + got);
    }
    return b;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
