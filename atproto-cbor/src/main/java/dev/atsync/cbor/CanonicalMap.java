package dev.atsync.cbor;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The unmodifiable entries of a {@link Value.Map}, known to be in canonical key order. Only this
 * package creates one, so a decoded map (whose order the reader has already checked) is wrapped
 * without being sorted or copied again.
 */
final class CanonicalMap extends AbstractMap<String, Value> {
  private final LinkedHashMap<String, Value> map;
  private final Set<Map.Entry<String, Value>> entries;

  /** Takes ownership of {@code map}, whose keys must already be in canonical order. */
  CanonicalMap(LinkedHashMap<String, Value> map) {
    this.map = map;
    this.entries = Collections.unmodifiableMap(map).entrySet();
  }

  CanonicalMap(Map<String, Value> map) {
    this(map instanceof LinkedHashMap<String, Value> l ? l : new LinkedHashMap<>(map));
  }

  @Override
  public Set<Map.Entry<String, Value>> entrySet() {
    return entries;
  }

  @Override
  public Value get(Object key) {
    return map.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return map.containsKey(key);
  }

  @Override
  public int size() {
    return map.size();
  }
}
