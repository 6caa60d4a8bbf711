package dev.atsync.repo;

import dev.atsync.syntax.InvalidSyntaxException;
import dev.atsync.syntax.Nsid;
import dev.atsync.syntax.RecordKey;
import java.util.Objects;

/**
 * A record's path in a repository, {@code collection/rkey}: the MST key of the record.
 *
 * @param collection the record's collection (an NSID)
 * @param rkey the record key
 */
public record RepoPath(Nsid collection, RecordKey rkey) implements Comparable<RepoPath> {
  /** Rejects Java nulls. */
  public RepoPath {
    Objects.requireNonNull(collection, "collection");
    Objects.requireNonNull(rkey, "rkey");
  }

  /**
   * Parses {@code collection/rkey}.
   *
   * @throws InvalidSyntaxException if it is not exactly one NSID, a slash and a record key
   */
  public static RepoPath parse(String path) {
    int slash = path.indexOf('/');
    if (slash < 0 || slash != path.lastIndexOf('/')) {
      throw new InvalidSyntaxException("record path", path, "must be collection/rkey with exactly one slash",
          slash < 0 ? -1 : path.lastIndexOf('/'));
    }
    return new RepoPath(Nsid.parse(path.substring(0, slash)), RecordKey.parse(path.substring(slash + 1)));
  }

  /**
   * A path from its parts.
   *
   * @param collection the collection
   * @param rkey the record key
   * @return {@code collection/rkey}
   */
  public static RepoPath of(Nsid collection, RecordKey rkey) {
    return new RepoPath(collection, rkey);
  }

  @Override
  public int compareTo(RepoPath o) {
    return toString().compareTo(o.toString());
  }

  /** {@code collection/rkey}. */
  @Override
  public String toString() {
    return collection + "/" + rkey;
  }
}
