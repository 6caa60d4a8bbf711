package dev.atsync.firehose.verify;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a verifier keeps each account's {@link AccountState}. The default is in memory; a relay
 * or inverter with its own database implements this over it.
 */
public interface ChainState {
  /** The account's last accepted commit, if known. */
  Optional<AccountState> get(String did);

  /** Records the account's last accepted commit. */
  void put(String did, AccountState state);

  /** A thread-safe in-memory chain state. */
  static ChainState inMemory() {
    ConcurrentHashMap<String, AccountState> map = new ConcurrentHashMap<>();
    return new ChainState() {
      @Override
      public Optional<AccountState> get(String did) {
        return Optional.ofNullable(map.get(did));
      }

      @Override
      public void put(String did, AccountState state) {
        map.put(did, state);
      }
    };
  }
}
