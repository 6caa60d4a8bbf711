package dev.atsync.inverter.log;

import java.util.List;

/**
 * The outcome of an append: one seq per event, in input order, and how many of the events were
 * recognised as retries of events already stored (those keep their original seq).
 *
 * @param seqs the seqs, in input order
 * @param duplicates how many events were already stored
 */
public record AppendResult(List<Long> seqs, int duplicates) {
  /** Copies the list. */
  public AppendResult {
    seqs = List.copyOf(seqs);
  }
}
