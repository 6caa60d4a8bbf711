package dev.atsync.firehose.internal;

/** The one rule for a configured {@code User-Agent}, shared by every client builder. */
public final class UserAgents {
  /** Longest accepted value. */
  public static final int MAX_LENGTH = 256;

  private UserAgents() {}

  /**
   * Checks a {@code User-Agent} value before it goes into a header: a header value that is
   * empty, very long or carries a control character (a line break would split the request) is
   * refused when the client is built, not on the wire.
   *
   * @param agent the value, e.g. {@code atsync/0.1.0}
   * @return {@code agent}
   * @throws IllegalArgumentException if it is empty, longer than {@value #MAX_LENGTH} or not
   *     printable ASCII
   */
  public static String checked(String agent) {
    if (agent.isBlank() || agent.length() > MAX_LENGTH || !agent.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("User-Agent must be 1 to " + MAX_LENGTH + " printable ASCII characters");
    }
    return agent;
  }
}
