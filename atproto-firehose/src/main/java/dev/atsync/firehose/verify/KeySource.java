package dev.atsync.firehose.verify;

import dev.atsync.crypto.PublicKey;
import dev.atsync.syntax.Did;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where {@link CommitVerifier} gets an account's current signing key. Implementations that cache
 * keys must refresh once, and try again, before answering that a signature does not verify: keys
 * rotate, and a stale cache must not make a valid commit look forged.
 */
public interface KeySource {
  /** No keys: signatures are not checked. */
  KeySource NONE = (did, check) -> true;

  /**
   * Whether {@code check} passes with the account's current key, refreshing a cached key once
   * before answering false.
   *
   * @throws Unavailable if no key can be had for the account
   */
  boolean verifies(Did did, Predicate<PublicKey> check) throws Unavailable;

  /** Forgets a cached key, for example on an {@code #identity} event. */
  default void invalidate(Did did) {}

  /** A fixed map of keys, for tests and closed systems. */
  static KeySource of(Map<Did, PublicKey> keys) {
    Map<Did, PublicKey> copy = Map.copyOf(keys);
    return (did, check) -> {
      PublicKey k = copy.get(did);
      if (k == null) {
        throw new Unavailable("no key configured for " + did);
      }
      return check.test(k);
    };
  }

  /** No key could be found for an account. */
  final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message why */
    public Unavailable(String message) {
      super(message);
    }

    /** With a cause. */
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
