package dev.atsync.cbor;

/**
 * Shared {@link Value.Int} instances for 0..255: MST prefix lengths and most counts in records
 * are small, and decoding them allocated one object each.
 */
final class SmallInts {
  static final Value.Int[] CACHED = new Value.Int[256];

  static {
    for (int i = 0; i < CACHED.length; i++) {
      CACHED[i] = new Value.Int(i);
    }
  }

  private SmallInts() {}
}
