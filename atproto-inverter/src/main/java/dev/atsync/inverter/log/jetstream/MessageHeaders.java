package dev.atsync.inverter.log.jetstream;

import dev.atsync.inverter.log.FrameDigest;
import java.util.Optional;

/**
 * How atsync lays events out on the stream. Every account has two subjects,
 * {@code <prefix>.<account>.r} for events with a rev ({@code #commit}, {@code #sync}) and
 * {@code <prefix>.<account>.o} for the others, where {@code <account>} is the DID with every
 * character outside {@code [A-Za-z0-9%-]} escaped as {@code _xx} (hex). Keeping rev events on
 * their own subject means the per-subject expected-last-sequence check serialises rev events
 * only, and the last message on that subject is always the account's head. Frames are stored
 * exactly as given; the DID, type, rev and appending node are headers.
 */
final class MessageHeaders {
  static final String DID = "Atsync-Did";
  static final String TYPE = "Atsync-Type";
  static final String REV = "Atsync-Rev";
  static final String NODE = "Atsync-Node";
  /** The NATS deduplication header; atsync sets it to the hex SHA-256 of the frame. */
  static final String MSG_ID = "Nats-Msg-Id";
  private static final int MAX_DID_LENGTH = 2048;

  private MessageHeaders() {}

  /**
   * The frame digest a message id stands for: empty without an id, or for an id atsync did not
   * set (another publisher's), which no retry can match.
   */
  static Optional<FrameDigest> digest(String msgId) {
    try {
      return msgId == null ? Optional.empty() : Optional.of(FrameDigest.fromHex(msgId));
    } catch (IllegalArgumentException notOurs) {
      return Optional.empty();
    }
  }

  /** The subject for an account's events: with a rev or without. */
  static String subject(String prefix, String did, boolean withRev) {
    if (did.isEmpty() || did.length() > MAX_DID_LENGTH) {
      throw new IllegalArgumentException("did must be 1.." + MAX_DID_LENGTH + " characters");
    }
    StringBuilder sb = new StringBuilder(prefix.length() + did.length() + 16).append(prefix).append('.');
    for (int i = 0; i < did.length(); i++) {
      char c = did.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '%') {
        sb.append(c);
      } else if (c < 0x80 && c > 0x20) {
        sb.append('_').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      } else {
        throw new IllegalArgumentException("did has a character outside printable ASCII at index " + i);
      }
    }
    return sb.append(withRev ? ".r" : ".o").toString();
  }
}
