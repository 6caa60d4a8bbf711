package dev.atsync.firehose.identity;

import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import dev.atsync.crypto.PublicKey;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * An account's resolved atproto identity.
 *
 * @param did the DID
 * @param handle the handle claimed in {@code alsoKnownAs} (not bidirectionally verified)
 * @param signingKey the current {@code #atproto} signing key
 * @param pds the {@code #atproto_pds} service endpoint, if any
 */
public record Identity(Did did, Optional<Handle> handle, PublicKey signingKey, Optional<URI> pds) {
  /** Validates that no component is null. */
  public Identity {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(handle, "handle");
    Objects.requireNonNull(signingKey, "signingKey");
    Objects.requireNonNull(pds, "pds");
  }
}
