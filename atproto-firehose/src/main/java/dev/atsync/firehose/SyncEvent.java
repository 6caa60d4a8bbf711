package dev.atsync.firehose;

import dev.atsync.cbor.CborWriter;
import dev.atsync.syntax.Datetime;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A {@code #sync} message: re-anchors an account's chain at a commit, without ops. Consumers
 * that find a gap or mismatch use it to resynchronise.
 *
 * @param seq stream sequence number
 * @param did the account
 * @param blocks CAR v1 holding just the commit block (copied in and out)
 * @param rev the commit's rev
 * @param time when the event was first emitted
 */
public record SyncEvent(long seq, Did did, byte[] blocks, Tid rev, Datetime time) implements StreamEvent {
  /** Copies the array; rejects Java nulls. */
  public SyncEvent {
    Objects.requireNonNull(did, "did");
    blocks = blocks.clone();
    Objects.requireNonNull(rev, "rev");
    Objects.requireNonNull(time, "time");
  }

  /** The {@code #sync} message re-anchoring an account at a repository's current commit. */
  public static SyncEvent of(dev.atsync.repo.Commit commit, long seq, java.time.Instant time) {
    byte[] block = commit.encode();
    dev.atsync.cid.Cid cid = dev.atsync.cid.Cid.ofDagCbor(block);
    byte[] car = dev.atsync.car.CarWriter.toBytes(cid, java.util.Map.of(cid, block));
    return new SyncEvent(seq, commit.did(), car, commit.rev(), Datetime.of(time));
  }

  @Override
  public String type() {
    return "#sync";
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

  @Override
  public byte[] encodeBody() {
    CborWriter w = new CborWriter(blocks.length + 128);
    w.writeMapHeader(5);
    w.writeKey("did");
    w.writeText(did.value());
    w.writeKey("rev");
    w.writeText(rev.value());
    w.writeKey("seq");
    w.writeLong(seq);
    w.writeKey("time");
    w.writeText(time.value());
    w.writeKey("blocks");
    w.writeBytes(blocks);
    return w.toByteArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SyncEvent s && seq == s.seq && did.equals(s.did) && Arrays.equals(blocks, s.blocks)
        && rev.equals(s.rev) && time.equals(s.time);
  }

  @Override
  public int hashCode() {
    return Objects.hash(seq, did, rev, Arrays.hashCode(blocks));
  }

  @Override
  public String toString() {
    return "SyncEvent[seq=" + seq + ", did=" + did + ", rev=" + rev + ", blocks=" + blocks.length + " bytes]";
  }
}
