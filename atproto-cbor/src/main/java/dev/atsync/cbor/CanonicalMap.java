package dev.atsync.cbor;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The unmodifiable entries of a {@link Value.Map}, known to be in canonical key order, held in
 * two parallel arrays. Only this package creates one, so a decoded map (whose order the reader
 * has already checked) is wrapped without being sorted or copied again, and without the
 * per-entry nodes and hashing of a {@code LinkedHashMap}, which measured a fifth of generic
 * decoding time. Lookups scan small maps and binary-search larger ones in canonical order.
 */
final class CanonicalMap extends AbstractMap<String, Value> {
  /** Up to this many entries a linear scan (mostly identity hits on cached keys) beats bisection. */
  private static final int SCAN_LIMIT = 8;

  private final String[] keys;
  private final Value[] values;
  private Set<Map.Entry<String, Value>> entries;

  /** Takes ownership of the arrays, whose keys must be distinct and in canonical order. */
  CanonicalMap(String[] keys, Value[] values) {
    this.keys = keys;
    this.values = values;
  }

  private int indexOf(Object key) {
    if (!(key instanceof String s)) {
      return -1;
    }
    if (keys.length <= SCAN_LIMIT) {
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] == s || keys[i].equals(s)) {
          return i;
        }
      }
      return -1;
    }
    int lo = 0;
    int hi = keys.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Value.compareKeys(keys[mid], s);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  @Override
  public Value get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : values[i];
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public int size() {
    return keys.length;
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super Value> action) {
    for (int i = 0; i < keys.length; i++) {
      action.accept(keys[i], values[i]);
    }
  }

  @Override
  public Set<Map.Entry<String, Value>> entrySet() {
    Set<Map.Entry<String, Value>> e = entries;
    if (e == null) {
      entries = e = new AbstractSet<>() {
        @Override
        public Iterator<Map.Entry<String, Value>> iterator() {
          return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
              return next < keys.length;
            }

            @Override
            public Map.Entry<String, Value> next() {
              if (next >= keys.length) {
                throw new NoSuchElementException();
              }
              int i = next++;
              return new AbstractMap.SimpleImmutableEntry<>(keys[i], values[i]);
            }
          };
        }

        @Override
        public int size() {
          return keys.length;
        }
      };
    }
    return e;
  }
}
