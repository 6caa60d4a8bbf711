package dev.atsync.inverter.internal;

import dev.atsync.inverter.log.FrameDigest;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The deduplication window in memory: frame digest to seq, for at most {@code capacity} of the
 * newest events, oldest forgotten first; the caller's time window is applied by {@link #find}
 * (entries received before it are not answered) and {@link #expire} (they are forgotten).
 *
 * <p>Why by hand and not a {@code HashMap<FrameDigest, Long>}: it sits on the commit path of
 * every event (it replaced a SQLite table keyed by digest, whose random b-tree page writes cost a
 * WAL page per event and held the log at a third of the disk's rate) and must stay small for a
 * window of a million events. Entries live in parallel primitive arrays in arrival order (a ring:
 * the oldest is always forgotten first, so expiry is a pointer move), and an open-addressing
 * table of ints over the ring finds a digest: about 56 bytes per entry, against about 150 for
 * boxed map entries. The arrays grow by doubling up to {@code capacity}.
 *
 * <p>One index serves both stores that keep their own deduplication (SQLite, memory).
 * Thread-safe (one monitor): the appending thread adds, any thread looks up.
 */
public final class DigestIndex {
  private static final int INITIAL = 1024;

  private final int capacity;
  // the ring, in arrival order: the digest as four longs, its seq and its receive time (ms)
  private long[] d0;
  private long[] d1;
  private long[] d2;
  private long[] d3;
  private long[] seqs;
  private long[] times;
  private int head;
  private int size;
  /** Open addressing, linear probing: ring index + 1, 0 for a free slot. */
  private int[] slots;
  private int mask;

  /** An empty index that holds at most {@code capacity} digests. */
  public DigestIndex(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
    allocate(Math.min(capacity, INITIAL));
  }

  private void allocate(int ringLength) {
    d0 = new long[ringLength];
    d1 = new long[ringLength];
    d2 = new long[ringLength];
    d3 = new long[ringLength];
    seqs = new long[ringLength];
    times = new long[ringLength];
    // at most half full, so probes stay short
    int tableLength = Integer.highestOneBit(Math.max(4, ringLength * 2 - 1)) << 1;
    slots = new int[tableLength];
    mask = tableLength - 1;
  }

  /** Entries held now. */
  public synchronized int size() {
    return size;
  }

  /** The most entries held. */
  public int capacity() {
    return capacity;
  }

  /**
   * The seq stored for {@code digest}, if it was received at or after {@code notBefore} (ms);
   * otherwise -1.
   */
  public synchronized long find(FrameDigest digest, long notBefore) {
    long[] k = words(digest);
    int slot = slotOf(k);
    return slot < 0 || times[slots[slot] - 1] < notBefore ? -1 : seqs[slots[slot] - 1];
  }

  /**
   * Remembers {@code digest} as stored at {@code seq}, received at {@code at} (ms, not before
   * the newest entry's: arrival order), forgetting the oldest entry first if the index is full. A
   * digest already held now points at the new seq.
   */
  public synchronized void add(FrameDigest digest, long seq, long at) {
    if (size == capacity) {
      removeOldest();
    } else if (size == seqs.length) {
      grow();
    }
    long[] k = words(digest);
    int ring = (head + size) % seqs.length;
    d0[ring] = k[0];
    d1[ring] = k[1];
    d2[ring] = k[2];
    d3[ring] = k[3];
    seqs[ring] = seq;
    times[ring] = at;
    size++;
    int slot = slotOf(k);
    if (slot < 0) {
      slot = (int) k[0] & mask;
      while (slots[slot] != 0) {
        slot = (slot + 1) & mask;
      }
    }
    slots[slot] = ring + 1; // a digest seen again: its older ring entry is left unindexed
  }

  /** Forgets the entries received before {@code notBefore} (ms). */
  public synchronized void expire(long notBefore) {
    while (size > 0 && times[head] < notBefore) {
      removeOldest();
    }
  }

  /** Forgets everything (the file's state is being re-read). */
  public synchronized void clear() {
    Arrays.fill(slots, 0);
    head = 0;
    size = 0;
  }

  private void removeOldest() {
    int ring = head;
    int slot = slotOf(new long[] {d0[ring], d1[ring], d2[ring], d3[ring]});
    if (slot >= 0 && slots[slot] == ring + 1) {
      deleteSlot(slot);
    }
    head = (head + 1) % seqs.length;
    size--;
  }

  /** The table slot holding the digest {@code k}, or -1. */
  private int slotOf(long[] k) {
    int slot = (int) k[0] & mask;
    while (true) {
      int v = slots[slot];
      if (v == 0) {
        return -1;
      }
      int r = v - 1;
      if (d0[r] == k[0] && d1[r] == k[1] && d2[r] == k[2] && d3[r] == k[3]) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Linear probing's deletion: shift later entries of the probe run back so none is cut off. */
  private void deleteSlot(int slot) {
    int free = slot;
    int next = (free + 1) & mask;
    while (slots[next] != 0) {
      int home = (int) d0[slots[next] - 1] & mask;
      // move the entry back unless its home lies cyclically in (free, next]
      boolean stays = free <= next ? free < home && home <= next : free < home || home <= next;
      if (!stays) {
        slots[free] = slots[next];
        free = next;
      }
      next = (next + 1) & mask;
    }
    slots[free] = 0;
  }

  private void grow() {
    long[][] old = {d0, d1, d2, d3, seqs, times};
    int oldLength = seqs.length;
    int oldHead = head;
    int n = size;
    allocate((int) Math.min(capacity, 2L * oldLength));
    long[][] fresh = {d0, d1, d2, d3, seqs, times};
    for (int a = 0; a < old.length; a++) {
      int firstPart = Math.min(n, oldLength - oldHead);
      System.arraycopy(old[a], oldHead, fresh[a], 0, firstPart);
      System.arraycopy(old[a], 0, fresh[a], firstPart, n - firstPart);
    }
    head = 0;
    size = 0;
    for (int r = 0; r < n; r++) {
      long[] k = {d0[r], d1[r], d2[r], d3[r]};
      int slot = slotOf(k);
      if (slot < 0) {
        slot = (int) k[0] & mask;
        while (slots[slot] != 0) {
          slot = (slot + 1) & mask;
        }
      }
      slots[slot] = r + 1;
      size++;
    }
  }

  private static long[] words(FrameDigest digest) {
    ByteBuffer b = ByteBuffer.wrap(digest.toBytes());
    return new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong()};
  }
}
