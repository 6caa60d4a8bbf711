package dev.atsync.firehose.verify;

import dev.atsync.syntax.Did;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a verifier keeps each account's {@link AccountState}. The default is in memory; a relay
 * or inverter with its own database implements this over it.
 *
 * <p>Every implementation behaves the same way: an unknown account is {@code Optional.empty()};
 * a storage failure is the implementation's own unchecked exception, which propagates out of the
 * verifier's {@code verify}, {@code check} or {@code record} call.
 */
public interface ChainState {
  /**
   * The account's last accepted commit, if known.
   *
   * @param did the account
   * @return its state, or empty for an account not seen
   */
  Optional<AccountState> get(Did did);

  /**
   * Records the account's last accepted commit.
   *
   * @param did the account
   * @param state its new state
   */
  void put(Did did, AccountState state);

  /**
   * A thread-safe in-memory chain state.
   *
   * @return a new, empty chain state
   */
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
