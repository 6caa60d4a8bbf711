package dev.atsync.firehose.verify;

import dev.atsync.cbor.DataModelException;
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
import dev.atsync.firehose.identity.IdentityException;
import dev.atsync.firehose.identity.KeySource;
import dev.atsync.mst.Mst;
import dev.atsync.repo.Operation;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verifies {@code subscribeRepos} messages as a strict Sync v1.1 relay does, with reasons a PDS
 * developer can act on.
 *
 * <p>Per {@code #commit}: lexicon and op-shape checks; the CAR parses and every block hashes to
 * its CID; the CAR root is {@code commit}; the commit block decodes as a v3 commit whose
 * {@code did} and {@code rev} equal the message's; the rev is at most the allowed drift into the
 * future; the signature verifies with the account's current key (unless the verifier was built
 * {@linkplain Builder#unauthenticated() unauthenticated}; one forced refresh before rejecting;
 * {@link Verdict#signatureChecked()} says whether it ran); every create and update op's record is at its
 * path in the new tree with its block present, and that block is strict canonical DAG-CBOR;
 * deleted paths are gone; undoing the ops on the partial tree gives {@code prevData}. Per
 * account, against {@link ChainState}: a rev not after the last one is stale
 * ({@link Reason#STALE_COMMIT}, which the sync spec says to ignore); otherwise {@code since} must
 * be the last rev and {@code prevData} the last MST root.
 *
 * <p>A {@code #sync} gets the same commit checks. Against the chain state: a higher rev (or an
 * account not seen before) re-anchors the chain at its commit; the same rev and commit as the
 * last one is a re-announcement (valid, nothing moves: the reference PDS sends one after an
 * account's genesis commit and on reactivation); a lower rev, or the same rev with another commit,
 * is {@link Reason#STALE_SYNC}.
 *
 * <p>Per stream (this instance): every message with a {@code seq} must have a seq above the last
 * one seen ({@link Reason#SEQ_NOT_INCREASING}), unless built {@linkplain Builder#withoutSeqCheck()
 * without the seq check}.
 *
 * <p>Each failure becomes a {@link Finding} whose {@link Action} comes from the {@link Policy};
 * the {@link Verdict} says whether to drop the message, ignore it, or resynchronise the account.
 * The chain state advances only for accepted messages ({@link #verify}); {@link #check} leaves it
 * (and the last seq) alone so a caller that must store the message first can {@link #record} it
 * afterwards. The last seq advances for every message that is not invalid (ignored ones
 * included: they still took their place in the stream).
 *
 * <p>Thread-safe as long as messages of one account are verified in order (the subscriber does
 * that: in order per account, in parallel across accounts). The last seq is kept as an atomic
 * maximum, so concurrent calls never lose or rewind it; but the seq check is only meaningful when
 * messages are verified in stream order (one thread, or one lane). A caller verifying several
 * accounts in parallel sees seqs out of order across accounts and should build the verifier
 * {@linkplain Builder#withoutSeqCheck() without the seq check} (the subscriber checks seq order
 * itself when it dispatches frames).
 */
public final class CommitVerifier {
  private final Policy policy;
  private final ChainState chain;
  private final KeySource keys;
  private final Duration maxFutureDrift;
  private final FrameLimits limits;
  private final Clock clock;
  private final boolean checkChain;
  private final boolean checkSeq;
  /** The highest seq of a message that was not invalid; {@link Long#MIN_VALUE} before the first. */
  private final AtomicLong lastSeq = new AtomicLong(Long.MIN_VALUE);

  private CommitVerifier(Builder b) {
    this.policy = b.policy;
    this.chain = b.chain;
    this.keys = b.keys;
    this.maxFutureDrift = b.maxFutureDrift;
    this.limits = b.limits;
    this.clock = b.clock;
    this.checkChain = b.checkChain;
    this.checkSeq = b.checkSeq;
  }

  /**
   * A builder: STRICT, in-memory chain state, the seq check, 5 minutes of clock drift. Signature
   * checking has no default: choose {@link Builder#keys(KeySource)} or
   * {@link Builder#unauthenticated()}, or {@link Builder#build()} throws.
   *
   * @return a new builder
   */
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
      Reason reason = e.kind().map(k -> reasonOf(k, e.field().orElse(""))).orElse(Reason.MALFORMED_FRAME);
      return Verdict.of(List.of(finding(reason, e.getMessage())));
    }
    return verify(event);
  }

  /**
   * Verifies one message and advances the chain state if it is accepted; the last seq advances
   * unless the message is invalid.
   */
  public Verdict verify(StreamEvent event) {
    Result r = evaluate(event);
    if (r.verdict.accepted()) {
      r.record(chain);
    }
    if (r.verdict.status() != Verdict.Status.INVALID) {
      advanceSeq(event);
    }
    return r.verdict;
  }

  /** Verifies one message without changing the chain state or the last seq; see {@link #record}. */
  public Verdict check(StreamEvent event) {
    return evaluate(event).verdict;
  }

  /**
   * Advances the chain state to an accepted {@code #commit} or {@code #sync}, after a
   * {@link #check}, and the last seq to the message's seq (for any message that has one). A
   * stale message ({@link Verdict.Status#IGNORED}) never moves the chain state.
   */
  public void record(StreamEvent event) {
    Result r = evaluate(event);
    if (r.verdict.status() != Verdict.Status.IGNORED) {
      r.record(chain);
    }
    advanceSeq(event);
  }

  /**
   * The highest seq of the messages verified (and not invalid) or recorded so far, if any. The
   * seq check compares against it.
   */
  public OptionalLong lastSeq() {
    long s = lastSeq.get();
    return s == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(s);
  }

  private void advanceSeq(StreamEvent event) {
    OptionalLong seq = seqOf(event);
    if (seq.isPresent()) {
      lastSeq.accumulateAndGet(seq.getAsLong(), Math::max);
    }
  }

  /** The seq of a message type that has one. */
  private static OptionalLong seqOf(StreamEvent event) {
    if (event instanceof CommitEvent c) {
      return OptionalLong.of(c.seq());
    }
    if (event instanceof SyncEvent s) {
      return OptionalLong.of(s.seq());
    }
    if (event instanceof IdentityEvent i) {
      return OptionalLong.of(i.seq());
    }
    if (event instanceof AccountEvent a) {
      return OptionalLong.of(a.seq());
    }
    return OptionalLong.empty();
  }

  /** The chain state this verifier reads and advances. */
  public ChainState chainState() {
    return chain;
  }

  private Result evaluate(StreamEvent event) {
    List<Finding> out = new ArrayList<>(0);
    if (checkSeq) {
      OptionalLong seq = seqOf(event);
      long last = lastSeq.get();
      if (seq.isPresent() && last != Long.MIN_VALUE && seq.getAsLong() <= last) {
        out.add(finding(Reason.SEQ_NOT_INCREASING, "seq " + seq.getAsLong() + " is not above the last seq " + last
            + " seen on this stream (" + (seq.getAsLong() == last ? "repeated" : "went backwards") + ")"));
      }
    }
    for (Violation v : EventValidator.violations(event, limits)) {
      out.add(finding(reasonOf(v.kind(), v.field()), v.toString()));
    }
    if (event instanceof CommitEvent c) {
      return commit(c, out);
    }
    if (event instanceof SyncEvent s) {
      return sync(s, out);
    }
    if (event instanceof IdentityEvent i) {
      if (keys != null) {
        keys.invalidate(i.did());
      }
    } else if (event instanceof AccountEvent) {
      // account status changes (active or not, with any status or none) carry nothing to verify
      // beyond the lexicon; they do not move the chain state
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
    boolean signed = signature(commit, c.commit(), out);
    Optional<AccountState> prior = checkChain ? chain.get(c.repo()) : Optional.empty();
    // a replay or an older commit: its since and prevData say nothing about the current chain
    boolean stale = prior.isPresent() && c.rev().compareTo(prior.get().rev()) <= 0;
    if (stale) {
      AccountState p = prior.get();
      out.add(finding(Reason.STALE_COMMIT, "rev " + c.rev() + " is not after the last rev " + p.rev()
          + (c.rev().equals(p.rev()) ? " (the same rev again)" : "")));
    } else if (prior.isPresent()) {
      AccountState p = prior.get();
      if (!c.since().equals(Optional.of(p.rev()))) {
        out.add(finding(Reason.SINCE_MISMATCH, "since " + c.since().map(Tid::value).orElse("null")
            + " but the last rev was " + p.rev() + ": commits were missed"));
      }
      if (c.prevData().isPresent() && !c.prevData().get().equals(p.data())) {
        out.add(finding(Reason.PREV_DATA_MISMATCH, "prevData " + c.prevData().get()
            + " but the last commit's data was " + p.data()));
      }
    }
    Optional<Cid> expectedPrev = c.prevData();
    if (expectedPrev.isEmpty()) {
      if (c.since().isPresent() || (prior.isPresent() && !stale)) {
        out.add(finding(Reason.PREV_DATA_MISSING, "prevData is absent; Sync v1.1 needs it to verify the ops"));
      } else {
        // the account's first commit (as the reference PDS sends it: since null, no prevData), or
        // a replay of it: undoing its ops must give the empty tree
        expectedPrev = Optional.of(RepoChecks.emptyTreeRoot());
      }
    }
    opsAndInversion(c, car, commit, expectedPrev, out);
    return new Result(Verdict.of(out, signed), c.repo(), new AccountState(c.rev(), c.commit(), commit.data()));
  }

  private void opsAndInversion(CommitEvent c, RepoChecks.Car car, RepoChecks.SignedCommit commit,
      Optional<Cid> expectedPrev, List<Finding> out) {
    recordsCanonical(c, car, out);
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
    List<Operation> operations;
    try {
      operations = c.operations();
    } catch (InvalidFrameException e) {
      return; // every shape problem is already a finding
    }
    try {
      Cid previous = RepoChecks.invert(tree, operations);
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

  /**
   * Every record block a create or update op points at, when it is in the CAR, must decode as
   * strict canonical DAG-CBOR (validated without building values).
   */
  private void recordsCanonical(CommitEvent c, RepoChecks.Car car, List<Finding> out) {
    List<CommitOp> ops = c.ops();
    for (int i = 0; i < ops.size(); i++) {
      CommitOp op = ops.get(i);
      if (op.cid().isEmpty()) {
        continue;
      }
      byte[] block = car.blocks().get(op.cid().get());
      if (block == null) {
        continue; // RECORD_BLOCK_MISSING, when the tree has it
      }
      try {
        RepoChecks.requireCanonical(block);
      } catch (DataModelException e) {
        // a CborException's message names the rule and the byte offset in the record block
        out.add(finding(Reason.RECORD_NOT_CANONICAL, "ops[" + i + "] " + op.action() + " " + op.path() + " record "
            + op.cid().get() + " is not strict canonical DAG-CBOR: " + e.getMessage()));
      }
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
    boolean signed = signature(commit, car.root(), out);
    Optional<AccountState> prior = checkChain ? chain.get(s.did()) : Optional.empty();
    if (prior.isPresent()) {
      AccountState p = prior.get();
      int order = s.rev().compareTo(p.rev());
      if (order == 0 && car.root().equals(p.commit())) {
        // a re-announcement of the state already processed: valid, nothing moves
        return new Result(Verdict.of(out, signed), null, null);
      }
      if (order < 0) {
        out.add(finding(Reason.STALE_SYNC, "rev " + s.rev() + " is before the last rev " + p.rev()));
      } else if (order == 0) {
        out.add(finding(Reason.STALE_SYNC, "rev " + s.rev() + " is the last rev, but commit " + car.root()
            + " is not the last commit " + p.commit()));
      }
    }
    return new Result(Verdict.of(out, signed), s.did(), new AccountState(s.rev(), car.root(), commit.data()));
  }

  /** Decodes and matches the commit block; {@code null} if there is none to use. */
  private RepoChecks.SignedCommit commitBlock(RepoChecks.Car car, Cid cid, Did did, Tid rev, List<Finding> out) {
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
    java.time.Instant revTime = commit.rev().instant();
    if (revTime.isAfter(clock.instant().plus(maxFutureDrift))) {
      out.add(finding(Reason.REV_IN_FUTURE, "rev " + commit.rev() + " is dated " + revTime + ", more than "
          + maxFutureDrift.toMinutes() + " minutes ahead"));
    }
    return commit;
  }

  /**
   * Checks the commit's signature with the account's current key, unless the verifier is
   * unauthenticated.
   *
   * @return whether the signature was checked against a key, whatever the outcome
   */
  private boolean signature(RepoChecks.SignedCommit commit, Cid cid, List<Finding> out) {
    if (keys == null) {
      return false;
    }
    boolean ok;
    try {
      ok = keys.verifies(commit.did(), key -> commit.verify(key));
    } catch (IdentityException e) {
      out.add(finding(Reason.IDENTITY_UNAVAILABLE, "no signing key for " + commit.did() + ": " + e.getMessage()));
      return false;
    }
    if (!ok) {
      out.add(finding(Reason.BAD_SIGNATURE, "signature of commit " + cid + " does not verify with the current key of "
          + commit.did()));
    }
    return true;
  }

  private Finding finding(Reason reason, String message) {
    return new Finding(reason, policy.actionFor(reason), message);
  }

  private static Reason reasonOf(Violation.Kind kind, String field) {
    switch (kind) {
      case LIMIT:
        return Reason.OVER_LIMIT;
      case OP_SHAPE:
        return Reason.BAD_OP_SHAPE;
      case DUPLICATE_PATH:
        return Reason.DUPLICATE_PATH;
      case DEPRECATED_FLAG:
        return field.equals("tooBig") ? Reason.TOO_BIG : Reason.REBASE;
      default:
        return Reason.INVALID_SYNTAX;
    }
  }

  /** A verdict and the chain position it would record. */
  private record Result(Verdict verdict, Did did, AccountState state) {
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
    private KeySource keys;
    private boolean unauthenticated;
    private Duration maxFutureDrift = Duration.ofMinutes(5);
    private FrameLimits limits = FrameLimits.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private boolean checkChain = true;
    private boolean checkSeq = true;

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

    /**
     * Skip the per-stream seq check ({@link Reason#SEQ_NOT_INCREASING}). For callers whose
     * messages are not one stream in order: frames from several hosts whose seqs interleave, retried
     * posts, or verification in parallel across accounts.
     */
    public Builder withoutSeqCheck() {
      this.checkSeq = false;
      return this;
    }

    /**
     * Check every commit signature with the account's current key from {@code keys}. One of this
     * and {@link #unauthenticated()} must be chosen.
     *
     * @param keys where signing keys come from, such as a {@code CachingIdentityResolver}
     * @return this builder
     */
    public Builder keys(KeySource keys) {
      this.keys = Objects.requireNonNull(keys);
      this.unauthenticated = false;
      return this;
    }

    /**
     * Verify without checking signatures: structure, CAR, commit, ops and inversion only. For
     * trusted sources and tests; every {@link Verdict} then says
     * {@linkplain Verdict#signatureChecked() the signature was not checked}. One of this and
     * {@link #keys(KeySource)} must be chosen.
     *
     * @return this builder
     */
    public Builder unauthenticated() {
      this.keys = null;
      this.unauthenticated = true;
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

    /**
     * Builds the verifier.
     *
     * @return the verifier
     * @throws IllegalStateException if neither {@link #keys(KeySource)} nor
     *     {@link #unauthenticated()} was chosen
     */
    public CommitVerifier build() {
      if (keys == null && !unauthenticated) {
        throw new IllegalStateException("choose how commit signatures are checked: keys(KeySource) to verify them "
            + "against each account's key, or unauthenticated() to skip them");
      }
      return new CommitVerifier(this);
    }
  }
}
