package dev.atsync.firehose;

import dev.atsync.car.CarReader;
import dev.atsync.cbor.CborWriter;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import dev.atsync.repo.CommitResult;
import dev.atsync.repo.Operation;
import dev.atsync.repo.RepoPath;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code #commit} message: a signed repository commit with the ops it made and a CAR of the
 * blocks needed to verify them (Sync v1.1).
 *
 * @param seq stream sequence number
 * @param rebase deprecated; always false in Sync v1.1
 * @param tooBig deprecated; always false in Sync v1.1
 * @param repo the account DID
 * @param commit CID of the commit object, which must be the CAR's root
 * @param rev the commit's rev (TID)
 * @param since the rev of the account's previous commit; empty when the wire had {@code null}
 * @param blocks CAR v1 bytes (copied in and out)
 * @param ops the record operations
 * @param blobs deprecated list of new blob CIDs
 * @param prevData MST root of the previous commit, when sent
 * @param time when the event was first emitted (datetime)
 */
public record CommitEvent(
    long seq, boolean rebase, boolean tooBig, Did repo, Cid commit, Tid rev, Optional<Tid> since,
    byte[] blocks, List<CommitOp> ops, List<Cid> blobs, Optional<Cid> prevData, Datetime time)
    implements StreamEvent {

  /** Copies the arrays and lists; rejects Java nulls. */
  public CommitEvent {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(commit, "commit");
    Objects.requireNonNull(rev, "rev");
    Objects.requireNonNull(since, "since");
    blocks = blocks.clone();
    ops = List.copyOf(ops);
    blobs = List.copyOf(blobs);
    Objects.requireNonNull(prevData, "prevData");
    Objects.requireNonNull(time, "time");
  }

  /**
   * The {@code #commit} message for a commit made by a {@link dev.atsync.repo.Repository}, to be
   * posted to an inverter or published to one: seq 0, since the inverter assigns the sequence.
   *
   * @param r the commit
   * @param time when the event is emitted
   * @return the message
   */
  public static CommitEvent of(CommitResult r, Instant time) {
    return of(r, 0, time);
  }

  /**
   * The {@code #commit} message for a commit made by a {@link dev.atsync.repo.Repository}.
   *
   * @param r the commit
   * @param seq the seq to put in the message (an inverter replaces it)
   * @param time when the event is emitted
   * @return the message
   */
  public static CommitEvent of(CommitResult r, long seq, Instant time) {
    List<CommitOp> ops = new ArrayList<>(r.ops().size());
    for (Operation op : r.ops()) {
      ops.add(CommitOp.of(op));
    }
    return new CommitEvent(seq, false, false, r.commit().did(), r.commitCid(), r.rev(), r.since(), r.proofCar(), ops,
        List.of(), Optional.of(r.prevData()), Datetime.of(time));
  }

  @Override
  public String type() {
    return "#commit";
  }

  /**
   * The ops as repository operations, each converted by {@link CommitOp#toOperation()}.
   *
   * @return the operations, in message order
   * @throws InvalidFrameException naming the op ({@code ops[2].prev}) if one has a malformed path
   *     or the wrong shape
   */
  public List<Operation> operations() {
    List<Operation> out = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      try {
        out.add(ops.get(i).toOperation());
      } catch (InvalidFrameException e) {
        throw e.under("ops[" + i + "]");
      }
    }
    return out;
  }

  /**
   * One created or updated record of a commit, read from its blocks.
   *
   * @param path the record's path
   * @param cid the record's CID
   * @param value the record, decoded as strict DAG-CBOR
   */
  public record Record(RepoPath path, Cid cid, Value value) {
    /** Rejects Java nulls. */
    public Record {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(cid, "cid");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * The records this commit creates or updates, in op order, decoded from {@code blocks}. Nothing
   * here is verified beyond the CAR's block hashes: run a {@code CommitVerifier} first to know the
   * records are the ones the signed tree holds.
   *
   * @return one entry per create or update op
   * @throws InvalidFrameException naming the field if an op is malformed ({@code ops[1].cid}),
   *     {@code blocks} is not a CAR, or a record block is missing or not strict DAG-CBOR
   */
  public List<Record> records() {
    List<Operation> operations = operations();
    Map<Cid, byte[]> car;
    try {
      // the CAR is already bounded (the decoder's frame limits); the reader only needs to fit it
      int max = Math.max(1, blocks.length);
      car = CarReader.readAll(blocks, new CarReader.Limits(64 * 1024, max, max, 1_000_000)).blocks();
    } catch (DataModelException e) {
      throw new InvalidFrameException("blocks is not a valid CAR: " + e.getMessage(), "blocks", -1, e);
    }
    List<Record> out = new ArrayList<>(operations.size());
    for (int i = 0; i < operations.size(); i++) {
      Operation op = operations.get(i);
      if (op.cid().isEmpty()) {
        continue;
      }
      Cid cid = op.cid().get();
      byte[] block = car.get(cid);
      if (block == null) {
        throw new InvalidFrameException("record " + cid + " for " + op.path() + " is not in blocks",
            "ops[" + i + "].cid", -1);
      }
      try {
        out.add(new Record(op.path(), cid, DagCbor.decode(block)));
      } catch (DataModelException e) {
        throw new InvalidFrameException("record " + cid + " for " + op.path() + " is not strict DAG-CBOR: "
            + e.getMessage(), "ops[" + i + "].cid", -1, e);
      }
    }
    return out;
  }

  /** A copy of the CAR bytes. */
  @Override
  public byte[] blocks() {
    return blocks.clone();
  }

  /** A read-only view of the CAR bytes, without copying. */
  public ByteBuffer blocksView() {
    return ByteBuffer.wrap(blocks).asReadOnlyBuffer();
  }

  /** This event with another {@code seq}. */
  public CommitEvent withSeq(long newSeq) {
    return new CommitEvent(newSeq, rebase, tooBig, repo, commit, rev, since, blocks, ops, blobs, prevData, time);
  }

  @Override
  public byte[] encodeBody() {
    CborWriter w = new CborWriter(blocks.length + 256 + ops.size() * 96);
    w.writeMapHeader(prevData.isPresent() ? 12 : 11);
    w.writeKey("ops");
    w.writeListHeader(ops.size());
    for (CommitOp op : ops) {
      w.writeMapHeader(op.prev().isPresent() ? 4 : 3);
      w.writeKey("cid");
      if (op.cid().isPresent()) {
        w.writeLink(op.cid().get());
      } else {
        w.writeNull();
      }
      w.writeKey("path");
      w.writeText(op.path());
      if (op.prev().isPresent()) {
        w.writeKey("prev");
        w.writeLink(op.prev().get());
      }
      w.writeKey("action");
      w.writeText(op.action());
    }
    w.writeKey("rev");
    w.writeText(rev.value());
    w.writeKey("seq");
    w.writeLong(seq);
    w.writeKey("repo");
    w.writeText(repo.value());
    w.writeKey("time");
    w.writeText(time.value());
    w.writeKey("blobs");
    w.writeListHeader(blobs.size());
    for (Cid b : blobs) {
      w.writeLink(b);
    }
    w.writeKey("since");
    if (since.isPresent()) {
      w.writeText(since.get().value());
    } else {
      w.writeNull();
    }
    w.writeKey("blocks");
    w.writeBytes(blocks);
    w.writeKey("commit");
    w.writeLink(commit);
    w.writeKey("rebase");
    w.writeBoolean(rebase);
    w.writeKey("tooBig");
    w.writeBoolean(tooBig);
    if (prevData.isPresent()) {
      w.writeKey("prevData");
      w.writeLink(prevData.get());
    }
    return w.toByteArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CommitEvent c && seq == c.seq && rebase == c.rebase && tooBig == c.tooBig
        && repo.equals(c.repo) && commit.equals(c.commit) && rev.equals(c.rev) && since.equals(c.since)
        && Arrays.equals(blocks, c.blocks) && ops.equals(c.ops) && blobs.equals(c.blobs)
        && prevData.equals(c.prevData) && time.equals(c.time);
  }

  @Override
  public int hashCode() {
    return Objects.hash(seq, repo, commit, rev, Arrays.hashCode(blocks));
  }

  @Override
  public String toString() {
    return "CommitEvent[seq=" + seq + ", repo=" + repo + ", rev=" + rev + ", commit=" + commit
        + ", ops=" + ops.size() + ", blocks=" + blocks.length + " bytes]";
  }
}
