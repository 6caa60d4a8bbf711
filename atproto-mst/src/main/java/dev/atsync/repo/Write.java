package dev.atsync.repo;

import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Value;
import java.util.Objects;

/**
 * One change a producer asks a {@link Repository} to make.
 *
 * @param action create, update or delete
 * @param path the record
 * @param record the new record (absent for deletes)
 */
public record Write(Operation.Action action, RepoPath path, Value.Map record) {
  /** Validates that creates and updates carry a record and deletes do not. */
  public Write {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(path, "path");
    if ((action == Operation.Action.DELETE) != (record == null)) {
      throw new IllegalArgumentException(action.wire() + " of " + path
          + (record == null ? " needs a record" : " must not carry a record"));
    }
  }

  /** Create {@code path} with {@code record}. */
  public static Write create(RepoPath path, Value.Map record) {
    return new Write(Operation.Action.CREATE, path, record);
  }

  /** Replace the record at {@code path}. */
  public static Write update(RepoPath path, Value.Map record) {
    return new Write(Operation.Action.UPDATE, path, record);
  }

  /**
   * Create {@code path} with a record already encoded as DAG-CBOR (for example, as a PDS stores
   * it); the bytes are decoded strictly, so non-canonical or non-map input is rejected.
   *
   * @throws dev.atsync.cbor.DataModelException if the bytes are not one canonical DAG-CBOR map
   */
  public static Write create(RepoPath path, byte[] dagCbor) {
    return new Write(Operation.Action.CREATE, path, decodeRecord(path, dagCbor));
  }

  /** Replace the record at {@code path} with one already encoded as DAG-CBOR (decoded strictly). */
  public static Write update(RepoPath path, byte[] dagCbor) {
    return new Write(Operation.Action.UPDATE, path, decodeRecord(path, dagCbor));
  }

  private static Value.Map decodeRecord(RepoPath path, byte[] dagCbor) {
    Value v = DagCbor.decode(dagCbor);
    if (!(v instanceof Value.Map m)) {
      throw new IllegalArgumentException("record for " + path + " is not a map");
    }
    return m;
  }

  /** Delete the record at {@code path}. */
  public static Write delete(RepoPath path) {
    return new Write(Operation.Action.DELETE, path, null);
  }
}
