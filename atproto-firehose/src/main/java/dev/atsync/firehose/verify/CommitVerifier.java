package dev.atsync.firehose.verify;

import dev.atsync.cid.Cid;
import dev.atsync.firehose.AccountEvent;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.CommitOp;
import dev.atsync.firehose.EventValidator;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.FrameLimits;
import dev.atsync.firehose.IdentityEvent;
import dev.atsync.firehose.InvalidFrameException;
import dev.atsync.firehose.StreamEvent;
import dev.atsync.firehose.SyncEvent;
import dev.atsync.firehose.Violation;
import dev.atsync.mst.Mst;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies {@code subscribeRepos} messages as a strict Sync v1.1 relay does, with reasons a PDS
 * developer can act on.
 *
 * <p>Per {@code #commit}: lexicon and op-shape checks; the CAR parses and every block hashes to
 * its CID; the CAR root is {@code commit}; the commit block decodes as a v3 commit whose
 * {@code did} and {@code rev} equal the message's; the rev is at most the allowed drift into the
 * future; the signature verifies with the account's current key (when a key source is
 * configured; one forced refresh before rejecting); every create and update op's record is at its
 * path in the new tree with its block present, and deleted paths are gone; undoing the ops on the
 * partial tree gives {@code prevData}. Per account, against {@link ChainState}: the rev strictly
 * increases, {@code since} is the last rev and {@code prevData} the last MST root. A
 * {@code #sync} re-anchors the chain at its commit after the same commit checks.
 *
 * <p>Each failure becomes a {@link Finding} whose {@link Action} comes from the {@link Policy};
 * the {@link Verdict} says whether to drop the message or resynchronise the account. The chain
 * state advances only for accepted messages ({@link #verify}); {@link #check} leaves it alone so
 * a caller that must store the message first can {@link #record} it afterwards.
 *
 * <p>Thread-safe as long as messages of one account are verified in order (the subscriber does
 * that: in order per account, in parallel across accounts).
 */
public final class CommitVerifier {
  private final Policy policy;
  private final ChainState chain;
  private final KeySource keys;
  private final Duration maxFutureDrift;
  private final FrameLimits limits;
  private final Clock clock;
  private final boolean checkChain;

  private CommitVerifier(Builder b) {
    this.policy = b.policy;
    this.chain = b.chain;
    this.keys = b.keys;
    this.maxFutureDrift = b.maxFutureDrift;
    this.limits = b.limits;
    this.clock = b.clock;
    this.checkChain = b.checkChain;
  }

  /** A builder: STRICT, in-memory chain state, no signature checks, 5 minutes of clock drift. */
  public static Builder builder() {
    return new Builder();
  }

  /** The policy in force. */
  public Policy policy() {
    return policy;
  }

  /**
   * Decodes and verifies one frame, advancing the chain state if it is accepted. A frame that does
   * not decode is {@link Reason#MALFORMED_FRAME}; error frames and {@code #info} are valid.
   */
  public Verdict verify(Frame frame) {
    if (frame.isError()) {
      return Verdict.of(List.of());
    }
    StreamEvent event;
    try {
      event = frame.event();
    } catch (InvalidFrameException e) {
      return Verdict.of(List.of(finding(Reason.MALFORMED_FRAME, e.getMessage())));
    }
    return verify(event);
  }

  /** Verifies one message and advances the chain state if it is accepted. */
  public Verdict verify(StreamEvent event) {
    Result r = evaluate(event);
    if (r.verdict.accepted()) {
      r.record(chain);
    }
    return r.verdict;
  }

  /** Verifies one message without changing the chain state; see {@link #record}. */
  public Verdict check(StreamEvent event) {
    return evaluate(event).verdict;
  }

  /**
   * Advances the chain state to an accepted {@code #commit} or {@code #sync}, after a
   * {@link #check}; does nothing for other messages.
   */
  public void record(StreamEvent event) {
    evaluate(event).record(chain);
  }

  /** The chain state this verifier reads and advances. */
  public ChainState chainState() {
    return chain;
  }

  private Result evaluate(StreamEvent event) {
    List<Finding> out = new ArrayList<>(0);
    for (Violation v : EventValidator.violations(event, limits)) {
      out.add(finding(reasonOf(v), v.toString()));
    }
    if (event instanceof CommitEvent c) {
      return commit(c, out);
    }
    if (event instanceof SyncEvent s) {
      return sync(s, out);
    }
    if (event instanceof IdentityEvent i) {
      keys.invalidate(i.did());
    } else if (event instanceof AccountEvent) {
      // account status changes carry nothing to verify beyond the lexicon
    }
    return new Result(Verdict.of(out), null, null);
  }

  private Result commit(CommitEvent c, List<Finding> out) {
    if (c.blocksView().remaining() == 0) {
      out.add(finding(Reason.BLOCKS_MISSING, "blocks is empty; a #commit must carry the commit and its proof"));
      return new Result(Verdict.of(out), null, null);
    }
    RepoChecks.Car car;
    try {
      car = RepoChecks.readCar(c.blocksView(), limits.maxCommitBlocksBytes());
    } catch (RepoChecks.Problem p) {
      out.add(finding(Reason.BAD_CAR, p.getMessage()));
      return new Result(Verdict.of(out), null, null);
    }
    if (!car.root().equals(c.commit())) {
      out.add(finding(Reason.CAR_ROOT_MISMATCH, "CAR root " + car.root() + " is not commit " + c.commit()));
    }
    RepoChecks.SignedCommit commit = commitBlock(car, c.commit(), c.repo(), c.rev(), out);
    if (commit == null) {
      return new Result(Verdict.of(out), null, null);
    }
    Optional<AccountState> prior = checkChain ? chain.get(c.repo()) : Optional.empty();
    if (prior.isPresent()) {
      AccountState p = prior.get();
      if (c.rev().compareTo(p.rev()) <= 0) {
        out.add(finding(Reason.REV_NOT_INCREASING, "rev " + c.rev() + " is not after the last rev " + p.rev()));
      }
      if (!c.since().equals(Optional.of(p.rev()))) {
        out.add(finding(Reason.SINCE_MISMATCH, "since " + c.since().orElse("null") + " but the last rev was "
            + p.rev() + ": commits were missed"));
      }
      if (c.prevData().isPresent() && !c.prevData().get().equals(p.data())) {
        out.add(finding(Reason.PREV_DATA_MISMATCH, "prevData " + c.prevData().get()
            + " but the last commit's data was " + p.data()));
      }
    }
    Optional<Cid> expectedPrev = c.prevData();
    if (expectedPrev.isEmpty()) {
      if (c.since().isPresent() || prior.isPresent()) {
        out.add(finding(Reason.PREV_DATA_MISSING, "prevData is absent; Sync v1.1 needs it to verify the ops"));
      } else {
        // the account's first commit: undoing its ops must give the empty tree
        expectedPrev = Optional.of(RepoChecks.emptyTreeRoot());
      }
    }
    opsAndInversion(c, car, commit, expectedPrev, out);
    return new Result(Verdict.of(out), c.repo(), new AccountState(c.rev(), c.commit(), commit.data()));
  }

  private void opsAndInversion(CommitEvent c, RepoChecks.Car car, RepoChecks.SignedCommit commit,
      Optional<Cid> expectedPrev, List<Finding> out) {
    boolean shapesOk = true;
    for (Finding f : out) {
      if (f.reason() == Reason.BAD_OP_SHAPE || f.reason() == Reason.DUPLICATE_PATH
          || f.reason() == Reason.INVALID_SYNTAX) {
        shapesOk = false;
      }
    }
    Mst tree;
    try {
      tree = RepoChecks.tree(commit.data(), car);
    } catch (RepoChecks.MissingBlock m) {
      out.add(finding(Reason.PROOF_INCOMPLETE, "the tree's root node " + m.cid() + " is not in the CAR"));
      return;
    } catch (RepoChecks.Problem p) {
      out.add(finding(Reason.BAD_CAR, "the tree's root node: " + p.getMessage()));
      return;
    }
    for (int i = 0; i < c.ops().size(); i++) {
      CommitOp op = c.ops().get(i);
      try {
        Optional<Cid> inTree = RepoChecks.lookup(tree, op.path());
        if (op.cid().isPresent()) {
          if (!inTree.equals(op.cid())) {
            out.add(finding(Reason.OP_NOT_IN_TREE, "ops[" + i + "] " + op.action() + " " + op.path() + " says "
                + op.cid().get() + " but the tree has " + inTree.map(Cid::toString).orElse("nothing")));
          } else if (!car.blocks().containsKey(op.cid().get())) {
            out.add(finding(Reason.RECORD_BLOCK_MISSING, "ops[" + i + "] record " + op.cid().get()
                + " for " + op.path() + " is not in the CAR"));
          }
        } else if (inTree.isPresent()) {
          out.add(finding(Reason.OP_NOT_IN_TREE, "ops[" + i + "] deletes " + op.path()
              + " but the tree still has " + inTree.get()));
        }
      } catch (RepoChecks.MissingBlock m) {
        out.add(finding(Reason.PROOF_INCOMPLETE, "ops[" + i + "] " + op.path() + ": MST node " + m.cid()
            + " is not in the CAR"));
        shapesOk = false;
      } catch (RepoChecks.Problem p) {
        out.add(finding(Reason.BAD_CAR, "ops[" + i + "] " + op.path() + ": " + p.getMessage()));
        shapesOk = false;
      }
    }
    if (!shapesOk || expectedPrev.isEmpty()) {
      return;
    }
    try {
      Cid previous = RepoChecks.invert(tree, c.ops());
      if (!previous.equals(expectedPrev.get())) {
        out.add(finding(Reason.INVERSION_MISMATCH, "undoing the ops gives " + previous + ", not prevData "
            + expectedPrev.get()));
      }
    } catch (RepoChecks.MissingBlock m) {
      out.add(finding(Reason.PROOF_INCOMPLETE, "inversion needs MST node " + m.cid() + ", which is not in the CAR"));
    } catch (RepoChecks.Problem p) {
      out.add(finding(Reason.OP_NOT_IN_TREE, "inversion failed: " + p.getMessage()));
    }
  }

  private Result sync(SyncEvent s, List<Finding> out) {
    RepoChecks.Car car;
    try {
      car = RepoChecks.readCar(s.blocksView(), limits.maxSyncBlocksBytes());
    } catch (RepoChecks.Problem p) {
      out.add(finding(Reason.BAD_CAR, p.getMessage()));
      return new Result(Verdict.of(out), null, null);
    }
    RepoChecks.SignedCommit commit = commitBlock(car, car.root(), s.did(), s.rev(), out);
    if (commit == null) {
      return new Result(Verdict.of(out), null, null);
    }
    Optional<AccountState> prior = checkChain ? chain.get(s.did()) : Optional.empty();
    if (prior.isPresent() && s.rev().compareTo(prior.get().rev()) <= 0) {
      out.add(finding(Reason.REV_NOT_INCREASING, "rev " + s.rev() + " is not after the last rev " + prior.get().rev()));
    }
    return new Result(Verdict.of(out), s.did(), new AccountState(s.rev(), car.root(), commit.data()));
  }

  /** Decodes, matches and signature-checks the commit block; {@code null} if there is none to use. */
  private RepoChecks.SignedCommit commitBlock(RepoChecks.Car car, Cid cid, String did, String rev, List<Finding> out) {
    byte[] block = car.blocks().get(cid);
    if (block == null) {
      out.add(finding(Reason.BAD_COMMIT, "commit block " + cid + " is not in the CAR"));
      return null;
    }
    RepoChecks.SignedCommit commit;
    try {
      commit = RepoChecks.decodeCommit(block);
    } catch (RepoChecks.Problem p) {
      out.add(finding(Reason.BAD_COMMIT, "commit block " + cid + ": " + p.getMessage()));
      return null;
    }
    if (!commit.did().equals(did)) {
      out.add(finding(Reason.DID_MISMATCH, "commit did " + commit.did() + " is not the message's " + did));
    }
    if (!commit.rev().equals(rev)) {
      out.add(finding(Reason.REV_MISMATCH, "commit rev " + commit.rev() + " is not the message's " + rev));
    }
    RepoChecks.revTime(commit.rev()).ifPresent(t -> {
      if (t.isAfter(clock.instant().plus(maxFutureDrift))) {
        out.add(finding(Reason.REV_IN_FUTURE, "rev " + commit.rev() + " is dated " + t + ", more than "
            + maxFutureDrift.toMinutes() + " minutes ahead"));
      }
    });
    if (keys != KeySource.NONE) {
      try {
        if (!keys.verifies(commit.did(), key -> commit.verify(key))) {
          out.add(finding(Reason.BAD_SIGNATURE, "signature of commit " + cid
              + " does not verify with the current key of " + commit.did()));
        }
      } catch (KeySource.Unavailable e) {
        out.add(finding(Reason.IDENTITY_UNAVAILABLE, "no signing key for " + commit.did() + ": " + e.getMessage()));
      }
    }
    return commit;
  }

  private Finding finding(Reason reason, String message) {
    return new Finding(reason, policy.actionFor(reason), message);
  }

  private static Reason reasonOf(Violation v) {
    switch (v.kind()) {
      case LIMIT:
        return Reason.OVER_LIMIT;
      case OP_SHAPE:
        return Reason.BAD_OP_SHAPE;
      case DUPLICATE_PATH:
        return Reason.DUPLICATE_PATH;
      case DEPRECATED_FLAG:
        return v.field().equals("tooBig") ? Reason.TOO_BIG : Reason.REBASE;
      default:
        return Reason.INVALID_SYNTAX;
    }
  }

  /** A verdict and the chain position it would record. */
  private record Result(Verdict verdict, String did, AccountState state) {
    void record(ChainState chain) {
      if (did != null && state != null) {
        chain.put(did, state);
      }
    }
  }

  /** Configures a {@link CommitVerifier}. */
  public static final class Builder {
    private Policy policy = Policy.STRICT;
    private ChainState chain = ChainState.inMemory();
    private KeySource keys = KeySource.NONE;
    private Duration maxFutureDrift = Duration.ofMinutes(5);
    private FrameLimits limits = FrameLimits.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private boolean checkChain = true;

    private Builder() {}

    /** The policy (default STRICT). */
    public Builder policy(Policy policy) {
      this.policy = Objects.requireNonNull(policy);
      return this;
    }

    /** Where account chain state lives (default in memory). */
    public Builder chainState(ChainState chain) {
      this.chain = Objects.requireNonNull(chain);
      return this;
    }

    /** Skip the per-account chain checks (rev order, {@code since}, {@code prevData} against the last commit). */
    public Builder withoutChainChecks() {
      this.checkChain = false;
      return this;
    }

    /** Where signing keys come from; without one, signatures are not checked. */
    public Builder keys(KeySource keys) {
      this.keys = Objects.requireNonNull(keys);
      return this;
    }

    /** How far into the future a rev may be dated (default 5 minutes, as the Go relay allows). */
    public Builder maxFutureDrift(Duration drift) {
      this.maxFutureDrift = Objects.requireNonNull(drift);
      return this;
    }

    /** Size limits (default: the lexicon's). */
    public Builder limits(FrameLimits limits) {
      this.limits = Objects.requireNonNull(limits);
      return this;
    }

    /** The clock for the future-rev check. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Builds the verifier. */
    public CommitVerifier build() {
      return new CommitVerifier(this);
    }
  }
}
