package dev.atsync.inverter.log;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 of a frame, the logs' key for recognising a retried event. */
final class Sha256 {
  private Sha256() {}

  static byte[] of(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JRE has SHA-256", e);
    }
  }
}
