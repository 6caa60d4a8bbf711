package dev.atsync.syntax;

import java.util.Objects;
import java.util.Optional;

/**
 * An AT-URI in the restricted form records use: {@code at://<authority>[/<collection>[/<rkey>]]},
 * the authority a DID or handle, the collection an NSID, the rkey a record key, optionally
 * followed by a fragment {@code #/...}. No query, no empty or extra path segments, at most 8 KiB.
 *
 * @param value the URI
 */
public record AtUri(String value) {
  /** Longest AT-URI accepted. */
  public static final int MAX_LENGTH = 8 * 1024;
  private static final String KIND = "AT-URI";

  /** Validates {@code value}. */
  public AtUri {
    Objects.requireNonNull(value, "value");
    check(value);
  }

  /** Parses an AT-URI. */
  public static AtUri parse(String s) {
    return new AtUri(s);
  }

  /** The URI of a record. */
  public static AtUri of(Did did, Nsid collection, RecordKey rkey) {
    return new AtUri("at://" + did + "/" + collection + "/" + rkey);
  }

  static void check(String s) {
    if (s.length() > MAX_LENGTH) {
      throw new InvalidSyntaxException(KIND, s, "longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
    }
    if (!s.startsWith("at://")) {
      throw new InvalidSyntaxException(KIND, s, "must start with \"at://\"", 0);
    }
    String rest = s.substring(5);
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      String fragment = rest.substring(hash + 1);
      if (!fragment.startsWith("/") || fragment.length() < 2 || !fragmentChars(fragment)) {
        throw new InvalidSyntaxException(KIND, s, "fragment must be #/ followed by a JSON path", 5 + hash);
      }
      rest = rest.substring(0, hash);
    }
    String[] parts = rest.split("/", -1);
    if (parts.length > 3) {
      throw new InvalidSyntaxException(KIND, s, "at most authority/collection/rkey", -1);
    }
    try {
      new AtIdentifier(parts[0]);
      if (parts.length > 1) {
        Nsid.check(parts[1]);
      }
      if (parts.length > 2) {
        RecordKey.check(parts[2]);
      }
    } catch (InvalidSyntaxException e) {
      throw new InvalidSyntaxException(KIND, s, e.kind() + " part: " + e.getMessage(), -1);
    }
  }

  private static boolean fragmentChars(String f) {
    for (int i = 0; i < f.length(); i++) {
      char c = f.charAt(i);
      if (!(Chars.alnum(c) || "-._~!$&'()*+,;=:@/%[]".indexOf(c) >= 0)) {
        return false;
      }
    }
    return true;
  }

  private String[] parts() {
    String rest = value.substring(5);
    int hash = rest.indexOf('#');
    return (hash >= 0 ? rest.substring(0, hash) : rest).split("/", -1);
  }

  /** The authority: a DID or handle. */
  public AtIdentifier authority() {
    return new AtIdentifier(parts()[0]);
  }

  /** The collection, if the URI has one. */
  public Optional<Nsid> collection() {
    String[] p = parts();
    return p.length > 1 ? Optional.of(new Nsid(p[1])) : Optional.empty();
  }

  /** The record key, if the URI has one. */
  public Optional<RecordKey> recordKey() {
    String[] p = parts();
    return p.length > 2 ? Optional.of(new RecordKey(p[2])) : Optional.empty();
  }

  @Override
  public String toString() {
    return value;
  }
}
