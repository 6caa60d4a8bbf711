package dev.atsync.inverter.log;

import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The inverter's durable, seq-ordered event log. Implementations assign seqs (strictly
 * increasing, never reused, never below the configured floor), enforce per-account rev order
 * atomically with the append, recognise retried events by content, and keep a backfill window.
 *
 * <p>Contract of {@link #append}: the batch is stored whole or not at all; on return every
 * event is durable (as durable as the implementation promises); events whose exact bytes were
 * appended within the deduplication window are not stored again and answer with their original
 * seq (checked before the rev rule, so a retry never looks stale); every other event with a rev
 * follows the rev rule against its account's current rev, also within the batch:
 *
 * <ul>
 *   <li>a {@code #commit} must have a rev strictly above the current rev;
 *   <li>a {@code #sync} must have a rev at or above it: the same rev is the re-announcement the
 *       reference PDS sends after an account's genesis commit and on reactivation, stored and
 *       served with a new seq (it becomes, or stays, the account's head);
 *   <li>anything older is refused with {@link StaleRevException}, and so is a {@code #commit}
 *       with the current rev that is not a byte-identical retry.
 * </ul>
 *
 * <p>So the reference PDS's account-creation batch ({@code #identity}, {@code #account},
 * {@code #commit} at rev R, {@code #sync} at rev R) is accepted whole. Revs compare as strings
 * (for TIDs, time order). The current rev is the rev of the account's newest stored
 * {@code #commit} or {@code #sync}.
 */
public interface EventLog extends AutoCloseable {
  /**
   * Appends a batch atomically and durably.
   *
   * @throws StaleRevException if an event breaks the rev rule: a {@code #commit} not above its
   *     account's current rev, or a {@code #sync} below it (nothing stored)
   * @throws IllegalArgumentException if the batch is empty
   */
  AppendResult append(List<LogEvent> batch);

  /** The highest seq assigned, or {@code floor - 1} before the first append. */
  long lastSeq();

  /** The oldest seq still in the window, or {@code lastSeq() + 1} when the window is empty. */
  long oldestSeq();

  /** Up to {@code max} events with seq above {@code afterSeq}, ascending. */
  List<LoggedEvent> readAfter(long afterSeq, int max);

  /** The account's current rev, if it has one. */
  Optional<String> currentRev(String did);

  /** Called with the new last seq after every durable append (on any node sharing the log). */
  void addAppendListener(LongConsumer listener);

  /** Removes events outside the window; returns how many. */
  int prune(Retention retention);

  /** Releases resources. Idempotent. */
  @Override
  void close();
}
