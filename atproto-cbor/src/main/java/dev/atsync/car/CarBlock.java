package dev.atsync.car;

import dev.atsync.cid.Cid;
import java.util.Arrays;
import java.util.Objects;

/**
 * One block of a CAR: a CID and the bytes it names. The array is copied in and out.
 *
 * @param cid the block's CID
 * @param bytes the block's content
 */
public record CarBlock(Cid cid, byte[] bytes) {
  /** Copies the bytes. */
  public CarBlock {
    Objects.requireNonNull(cid, "cid");
    bytes = bytes.clone();
  }

  /** A copy of the content. */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Size of the content. */
  public int length() {
    return bytes.length;
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
