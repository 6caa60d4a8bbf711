package dev.atsync.inverter;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.StreamEvent;
import dev.atsync.firehose.ingest.IngestError;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.firehose.ingest.IngestProtocol;
import dev.atsync.firehose.verify.CommitVerifier;
import dev.atsync.firehose.verify.Finding;
import dev.atsync.firehose.verify.Verdict;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inverter's default {@link EventCheck}: every {@code #commit} and {@code #sync} is verified
 * with a {@link CommitVerifier} before it is stored (structure, CAR, commit object, ops in the
 * tree, inversion to {@code prevData}; signatures when the verifier has a key source). A message
 * the verifier finds invalid refuses its batch with 400 {@code InvalidCommit}, naming the frame,
 * the reason code and what was found. Warnings are accepted.
 *
 * <p>Rev order is the log's job (409), so the default verifier runs without chain checks; a
 * verifier with chain checks should not be shared with other consumers, since refused batches do
 * not advance it. A message such a verifier finds stale ({@link Verdict.Status#IGNORED}) is not
 * refused here: it goes on to the log, whose rev rule answers it (a retry with its original seq,
 * a stale rev with 409). The default verifier also runs without the seq check: ingested frames
 * come from several PDS instances whose seqs interleave, and a retried post repeats its seqs (the
 * inverter assigns its own seqs anyway).
 */
public final class VerifyingCheck implements EventCheck {
  private final CommitVerifier verifier;

  /** Checks with {@code verifier}. */
  public VerifyingCheck(CommitVerifier verifier) {
    this.verifier = verifier;
  }

  /** Strict verification without chain checks, the seq check or signatures: structure and inversion. */
  public static VerifyingCheck structural() {
    return new VerifyingCheck(CommitVerifier.builder().withoutChainChecks().withoutSeqCheck().unauthenticated()
        .build());
  }

  @Override
  public void check(int index, Frame frame, StreamEvent event) {
    Verdict v = verifier.verify(event);
    if (v.status() != Verdict.Status.INVALID) {
      return;
    }
    Finding f = v.cause().orElseThrow();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put(IngestProtocol.FRAME, index);
    details.put(IngestProtocol.REASON, f.reason().name());
    throw new IngestException(IngestError.INVALID_COMMIT, "frame " + index + ": " + f, details);
  }
}
