package dev.atsync.firehose.identity;

import dev.atsync.syntax.Did;
import java.util.Map;

/**
 * Resolves a DID to its current {@link Identity}. Implementations are thread-safe, and every one
 * fails the same way: an {@link IdentityException} naming the DID and the
 * {@link IdentityException.Kind} (unsupported method, not found, malformed document, HTTP or
 * transport failure). Any other exception is a bug in the implementation.
 */
public interface IdentityResolver {
  /**
   * Resolves {@code did}, possibly from a cache.
   *
   * @throws IdentityException if the DID cannot be resolved
   */
  Identity resolve(Did did);

  /**
   * Resolves {@code did} bypassing any cache. Uncached resolvers just resolve.
   *
   * @throws IdentityException if the DID cannot be resolved
   */
  default Identity refresh(Did did) {
    return resolve(did);
  }

  /** A fixed map of identities, for tests and closed systems. */
  static IdentityResolver of(Map<Did, Identity> identities) {
    Map<Did, Identity> copy = Map.copyOf(identities);
    return did -> {
      Identity id = copy.get(did);
      if (id == null) {
        throw new IdentityException(IdentityException.Kind.NOT_FOUND, did, "not in static map");
      }
      return id;
    };
  }
}
