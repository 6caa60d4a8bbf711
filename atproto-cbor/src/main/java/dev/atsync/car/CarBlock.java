package dev.atsync.car;

import dev.atsync.cid.Cid;
import java.util.Arrays;
import java.util.Objects;

/**
 * One block of a CAR file: its CID and its bytes. The array is copied in and out, so a block is
 * immutable; equality is by CID and content.
 */
public record CarBlock(Cid cid, byte[] bytes) {
  /** Copies {@code bytes}; does not verify the hash (see {@link #verify()}). */
  public CarBlock {
    Objects.requireNonNull(cid, "cid");
    bytes = bytes.clone();
  }

  /** A DAG-CBOR block with its CID computed from {@code bytes}. */
  public static CarBlock ofDagCbor(byte[] bytes) {
    return new CarBlock(Cid.ofDagCbor(bytes), bytes);
  }

  /** A copy of the bytes. */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Number of bytes in the block. */
  public int length() {
    return bytes.length;
  }

  /** Whether the bytes hash to the CID. */
  public boolean verify() {
    return cid.matches(bytes);
  }

  /** Writes the bytes to {@code out} without copying them first. */
  void writeBytesTo(java.io.OutputStream out) throws java.io.IOException {
    out.write(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CarBlock b && cid.equals(b.cid) && Arrays.equals(bytes, b.bytes);
  }

  @Override
  public int hashCode() {
    return cid.hashCode();
  }

  @Override
  public String toString() {
    return "CarBlock[" + cid + ", " + bytes.length + " bytes]";
  }
}
