package dev.atsync.syntax;

import java.util.Objects;
import java.util.Optional;

/**
 * A DID or a handle, as in the authority of an AT-URI or an API parameter naming an account.
 *
 * @param value the identifier
 */
public record AtIdentifier(String value) {
  /** Validates {@code value} as a DID (if it starts with {@code did:}) or a handle. */
  public AtIdentifier {
    Objects.requireNonNull(value, "value");
    if (value.startsWith("did:")) {
      Did.check(value);
    } else {
      try {
        Handle.check(value);
      } catch (InvalidSyntaxException e) {
        throw new InvalidSyntaxException("at-identifier", value, "neither a DID nor a handle", e.offset());
      }
    }
  }

  /** Parses a DID or handle. */
  public static AtIdentifier parse(String s) {
    return new AtIdentifier(s);
  }

  /** Whether this is a DID. */
  public boolean isDid() {
    return value.startsWith("did:");
  }

  /** This identifier as a DID, if it is one. */
  public Optional<Did> asDid() {
    return isDid() ? Optional.of(new Did(value)) : Optional.empty();
  }

  /** This identifier as a handle, if it is one. */
  public Optional<Handle> asHandle() {
    return isDid() ? Optional.empty() : Optional.of(new Handle(value));
  }

  @Override
  public String toString() {
    return value;
  }
}
