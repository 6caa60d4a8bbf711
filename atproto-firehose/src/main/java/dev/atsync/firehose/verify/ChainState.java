package dev.atsync.firehose.verify;

import dev.atsync.syntax.Did;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a verifier keeps each account's {@link AccountState}. The default is in memory; a relay
 * or inverter with its own database implements this over it.
 */
public interface ChainState {
  /** The account's last accepted commit, if known. */
  Optional<AccountState> get(Did did);

  /** Records the account's last accepted commit. */
  void put(Did did, AccountState state);

  /** A thread-safe in-memory chain state. */
  static ChainState inMemory() {
    ConcurrentHashMap<Did, AccountState> map = new ConcurrentHashMap<>();
    return new ChainState() {
      @Override
      public Optional<AccountState> get(Did did) {
        return Optional.ofNullable(map.get(did));
      }

      @Override
      public void put(Did did, AccountState state) {
        map.put(did, state);
      }
    };
  }
}
