package dev.atsync.inverter.log;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The SHA-256 of a frame's bytes: how the log recognises a retried post of an event it already
 * stored. Immutable.
 */
public final class FrameDigest {
  /** Bytes in a digest. */
  public static final int LENGTH = 32;
  private static final MessageDigest PROTOTYPE = sha256();

  private final byte[] bytes;
  private final int hash;

  private FrameDigest(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** The digest of {@code frame}. */
  public static FrameDigest of(byte[] frame) {
    MessageDigest md;
    try {
      // cloning a prototype is several times cheaper than a provider lookup per frame
      md = (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      md = sha256();
    }
    return new FrameDigest(md.digest(frame));
  }

  /** A digest as stored: exactly {@value #LENGTH} bytes (copied). */
  public static FrameDigest fromBytes(byte[] digest) {
    if (digest.length != LENGTH) {
      throw new IllegalArgumentException("a frame digest has " + LENGTH + " bytes, not " + digest.length);
    }
    return new FrameDigest(digest.clone());
  }

  /** A digest from its 64 lower-case hex characters. */
  public static FrameDigest fromHex(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("a frame digest has " + 2 * LENGTH + " hex characters: " + hex);
    }
    return new FrameDigest(HexFormat.of().parseHex(hex));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The digest's bytes (a copy). */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The digest as 64 lower-case hex characters. */
  public String toHex() {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FrameDigest d && hash == d.hash && Arrays.equals(bytes, d.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return toHex();
  }
}
