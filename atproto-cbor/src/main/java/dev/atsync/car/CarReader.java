package dev.atsync.car;

import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import dev.atsync.cid.Varint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A streaming reader of CAR v1 files: the header ({@code {roots: [CID...], version: 1}}, strict
 * DAG-CBOR) is read by the constructor, then {@link #next()} returns one block at a time, each
 * verified against its CID's sha2-256 digest. Every length is checked against {@link Limits}
 * before anything is allocated; every problem is a {@link CarException} with the stream offset
 * and, when known, the block's CID. I/O failures of the stream surface as {@link
 * UncheckedIOException}.
 *
 * <p>Not thread-safe. The reader does not close the stream.
 */
public final class CarReader {
  /**
   * Bounds for one CAR file.
   *
   * @param maxHeaderBytes largest header block accepted
   * @param maxBlockBytes largest block (without its CID) accepted
   * @param maxTotalBytes largest whole file accepted
   * @param maxBlocks most blocks accepted
   */
  public record Limits(int maxHeaderBytes, int maxBlockBytes, long maxTotalBytes, int maxBlocks) {
    /**
     * Safe defaults for atproto repositories: 64 KiB header, 2 MiB per block (records are far
     * smaller; the firehose caps a whole event at 2 MiB too), 1 GiB total, 10 million blocks.
     */
    public static final Limits DEFAULT = new Limits(64 * 1024, 2 * 1024 * 1024, 1L << 30, 10_000_000);

    /** @throws IllegalArgumentException if any bound is not positive */
    public Limits {
      if (maxHeaderBytes <= 0 || maxBlockBytes <= 0 || maxTotalBytes <= 0 || maxBlocks <= 0) {
        throw new IllegalArgumentException("CAR limits must be positive");
      }
    }
  }

  private final InputStream in;
  private final Limits limits;
  private final List<Cid> roots;
  private long position;
  private int blocks;

  /** Reads the header from {@code in} with {@link Limits#DEFAULT}. */
  public CarReader(InputStream in) {
    this(in, Limits.DEFAULT);
  }

  /**
   * Reads the header from {@code in}.
   *
   * @throws CarException if the header is missing, too large or malformed
   */
  public CarReader(InputStream in, Limits limits) {
    this.in = Objects.requireNonNull(in, "in");
    this.limits = Objects.requireNonNull(limits, "limits");
    long len = readVarint();
    if (len < 0) {
      throw new CarException("empty input: no CAR header", 0);
    }
    if (len == 0 || len > limits.maxHeaderBytes()) {
      throw new CarException("CAR header length " + len + " outside 1.." + limits.maxHeaderBytes(), 0);
    }
    long headerStart = position;
    byte[] header = readExactly((int) len);
    this.roots = parseHeader(header, headerStart);
  }

  /** The header's root CIDs, in order. */
  public List<Cid> roots() {
    return roots;
  }

  /** Bytes consumed from the stream so far. */
  public long position() {
    return position;
  }

  /**
   * The next block, verified against its CID, or empty at the clean end of the stream.
   *
   * @throws CarException if the section is malformed, exceeds a limit, or fails verification
   */
  public Optional<CarBlock> next() {
    long sectionStart = position;
    long len = readVarint();
    if (len < 0) {
      return Optional.empty();
    }
    if (blocks >= limits.maxBlocks()) {
      throw new CarException("more than " + limits.maxBlocks() + " blocks", sectionStart);
    }
    if (len < Cid.BINARY_LENGTH || len > (long) Cid.BINARY_LENGTH + limits.maxBlockBytes()) {
      throw new CarException("section length " + len + " outside " + Cid.BINARY_LENGTH + ".."
          + ((long) Cid.BINARY_LENGTH + limits.maxBlockBytes()), sectionStart);
    }
    if (position + len > limits.maxTotalBytes()) {
      throw new CarException("CAR exceeds " + limits.maxTotalBytes() + " bytes", sectionStart);
    }
    long cidStart = position;
    byte[] section = readExactly((int) len);
    Cid cid;
    try {
      int n = Cid.prefixLength(section, 0, section.length);
      cid = Cid.decode(section, 0, n);
    } catch (DataModelException e) {
      throw new CarException("invalid block CID: " + e.getMessage(), cidStart, null, e);
    }
    int dataOff = Cid.BINARY_LENGTH;
    if (!cid.matches(section, dataOff, section.length - dataOff)) {
      throw new CarException("block bytes do not hash to their CID", cidStart + dataOff, cid, null);
    }
    blocks++;
    return Optional.of(new CarBlock(cid, java.util.Arrays.copyOfRange(section, dataOff, section.length)));
  }

  /**
   * Reads every remaining block into a map in file order. A block repeated with the same CID is
   * kept once (its bytes are necessarily identical: both were verified).
   */
  public Map<Cid, byte[]> readAll() {
    LinkedHashMap<Cid, byte[]> out = new LinkedHashMap<>();
    for (Optional<CarBlock> b = next(); b.isPresent(); b = next()) {
      out.putIfAbsent(b.get().cid(), b.get().bytes());
    }
    return out;
  }

  /** Reads a whole CAR held in memory with default limits: roots and blocks. */
  public static Contents readAll(byte[] car) {
    CarReader r = new CarReader(new ByteArrayInputStream(car), Limits.DEFAULT);
    Map<Cid, byte[]> blocks = r.readAll();
    return new Contents(r.roots(), blocks);
  }

  /**
   * A whole CAR file in memory.
   *
   * @param roots the header's roots
   * @param blocks every block by CID, in file order (arrays are the caller's to keep)
   */
  public record Contents(List<Cid> roots, Map<Cid, byte[]> blocks) {
    /** Copies the root list; the map is wrapped unmodifiable. */
    public Contents {
      roots = List.copyOf(roots);
      blocks = java.util.Collections.unmodifiableMap(blocks);
    }
  }

  private List<Cid> parseHeader(byte[] header, long base) {
    try {
      CborReader r = new CborReader(header);
      int n = r.readMapHeader();
      List<Cid> rootList = null;
      long version = -1;
      for (int i = 0; i < n; i++) {
        String key = r.readKey();
        if (key.equals("roots")) {
          int count = r.readListHeader();
          rootList = new ArrayList<>(count);
          for (int k = 0; k < count; k++) {
            rootList.add(r.readLink());
          }
        } else if (key.equals("version")) {
          version = r.readLong();
        } else {
          throw new CarException("unexpected CAR header field \"" + key + "\"", base + r.position());
        }
      }
      r.requireEnd();
      if (version != 1) {
        throw new CarException("CAR version must be 1, found " + (version < 0 ? "none" : version), base);
      }
      if (rootList == null) {
        throw new CarException("CAR header has no roots", base);
      }
      return List.copyOf(rootList);
    } catch (CarException e) {
      throw e;
    } catch (DataModelException e) {
      throw new CarException("malformed CAR header: " + e.getMessage(), base + Math.max(0, e.offset()), null, e);
    }
  }

  /** A varint from the stream, or -1 at a clean end of stream. */
  private long readVarint() {
    long start = position;
    long value = 0;
    int shift = 0;
    for (int n = 0; ; n++) {
      int b;
      try {
        b = in.read();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (b < 0) {
        if (n == 0) {
          return -1;
        }
        throw new CarException("truncated varint", position);
      }
      position++;
      if (n >= Varint.MAX_LENGTH) {
        throw new CarException("varint longer than " + Varint.MAX_LENGTH + " bytes", start);
      }
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && n > 0) {
          throw new CarException("varint is not minimally encoded", start);
        }
        if (value < 0) {
          throw new CarException("varint exceeds 2^63-1", start);
        }
        return value;
      }
      shift += 7;
    }
  }

  private byte[] readExactly(int len) {
    byte[] b = new byte[len];
    int got;
    try {
      got = in.readNBytes(b, 0, len);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (got < len) {
      throw new CarException("truncated: expected " + len + " bytes, stream ended after " + got,
          position + got);
    }
    position += len;
    return b;
  }
}
