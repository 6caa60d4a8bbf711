package dev.atsync.cbor.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Fresh SHA-256 digests for the hot paths that hash: CIDs of blocks (here), MST key heights and
 * node CIDs, commit signatures (atproto-mst). Not part of the API: the package is exported only
 * to {@code dev.atsync.mst}.
 */
public final class Sha256 {
  private static final MessageDigest PROTOTYPE = cloneable();

  private Sha256() {}

  /**
   * A new SHA-256 digest; {@code MessageDigest} is not thread-safe, so never shared. Cloned from a
   * prototype: a provider lookup per use cost about as much as hashing a small block.
   *
   * @return a fresh digest
   */
  public static MessageDigest newDigest() {
    if (PROTOTYPE != null) {
      try {
        return (MessageDigest) PROTOTYPE.clone();
      } catch (CloneNotSupportedException e) {
        // fall through to a lookup
      }
    }
    return lookup();
  }

  private static MessageDigest cloneable() {
    MessageDigest md = lookup();
    try {
      md.clone();
      return md;
    } catch (CloneNotSupportedException e) {
      return null;
    }
  }

  private static MessageDigest lookup() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE has SHA-256", e);
    }
  }
}
