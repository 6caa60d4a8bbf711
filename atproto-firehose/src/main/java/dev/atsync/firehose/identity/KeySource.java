package dev.atsync.firehose.identity;

import dev.atsync.crypto.PublicKey;
import dev.atsync.syntax.Did;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where a commit verifier gets an account's current signing key. Implementations that cache keys
 * must refresh once, and try again, before answering that a signature does not verify: keys
 * rotate, and a stale cache must not make a valid commit look forged.
 * {@link CachingIdentityResolver} is the implementation over DID resolution.
 *
 * <p>Every implementation fails the same way: when no key can be had for the account (unknown
 * DID, unresolvable document, no {@code #atproto} key), {@link #verifies} throws an
 * {@link IdentityException} naming the DID and the {@link IdentityException.Kind}; the verifier
 * reports that as {@code IDENTITY_UNAVAILABLE}. Any other exception is a bug in the
 * implementation and propagates.
 */
public interface KeySource {
  /**
   * Whether {@code check} passes with the account's current key, refreshing a cached key once
   * before answering false.
   *
   * @param did the account
   * @param check the signature check to run with a key
   * @return whether the check passed with a current key
   * @throws IdentityException if no key can be had for the account
   */
  boolean verifies(Did did, Predicate<PublicKey> check);

  /**
   * Forgets a cached key, for example on an {@code #identity} event. Does nothing by default.
   *
   * @param did the account
   */
  default void invalidate(Did did) {}

  /**
   * A fixed map of keys, for tests and closed systems.
   *
   * @param keys each account's key
   * @return a source that answers from the map; an account not in it is
   *     {@link IdentityException.Kind#NOT_FOUND}
   */
  static KeySource of(Map<Did, PublicKey> keys) {
    Map<Did, PublicKey> copy = Map.copyOf(keys);
    return (did, check) -> {
      PublicKey k = copy.get(did);
      if (k == null) {
        throw new IdentityException(IdentityException.Kind.NOT_FOUND, did, "no key configured");
      }
      return check.test(k);
    };
  }
}
