package dev.atsync.firehose;

import dev.atsync.repo.RepoPath;
import dev.atsync.syntax.InvalidSyntaxException;
import dev.atsync.syntax.Nsid;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which record collections a consumer wants, as {@code @atproto/sync}'s {@code filterCollections}
 * takes them: each pattern is an exact NSID ({@code app.bsky.feed.post}) or a prefix ending in
 * {@code .*} ({@code app.bsky.graph.*} matches every collection under {@code app.bsky.graph.}).
 * One difference: a prefix ends at a segment boundary here ({@code app.bsky.graph.*} does not
 * match {@code app.bsky.graphs.x}), where {@code @atproto/sync} compares plain string prefixes.
 * Immutable and thread-safe.
 *
 * <pre>{@code
 * CollectionFilter posts = CollectionFilter.of("app.bsky.feed.post", "app.bsky.graph.*");
 * if (frame.event() instanceof CommitEvent c && posts.matches(c)) {
 *   for (CommitEvent.Record r : c.records()) {
 *     if (posts.test(r.path().collection())) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p>A {@link dev.atsync.firehose.subscribe.FirehoseSubscriber} built with
 * {@code collections(filter)} skips the {@code #commit} frames that {@link #matches(CommitEvent)}
 * rejects.
 */
public final class CollectionFilter implements Predicate<Nsid> {
  private final Set<String> exact;
  private final List<String> prefixes;
  private final List<String> patterns;

  private CollectionFilter(Set<String> exact, List<String> prefixes, List<String> patterns) {
    this.exact = exact;
    this.prefixes = prefixes;
    this.patterns = patterns;
  }

  /**
   * A filter from patterns.
   *
   * @param patterns NSIDs, or NSID prefixes followed by {@code .*}
   * @return the filter
   * @throws IllegalArgumentException if there is no pattern, or a pattern is neither a valid NSID
   *     nor dot-separated NSID segments followed by {@code .*}
   */
  public static CollectionFilter of(String... patterns) {
    if (patterns.length == 0) {
      throw new IllegalArgumentException("a collection filter needs at least one pattern");
    }
    java.util.HashSet<String> exact = new java.util.HashSet<>();
    List<String> prefixes = new ArrayList<>();
    for (String p : patterns) {
      Objects.requireNonNull(p, "pattern");
      if (p.endsWith(".*")) {
        String prefix = p.substring(0, p.length() - 2);
        // a prefix is the front of some NSID: check it by completing one
        if (prefix.isEmpty() || !Nsid.isValid(prefix + (prefix.indexOf('.') < 0 ? ".x.y" : ".y"))) {
          throw new IllegalArgumentException("not an NSID prefix followed by .*: " + p);
        }
        prefixes.add(prefix + ".");
      } else {
        try {
          exact.add(Nsid.parse(p).value());
        } catch (InvalidSyntaxException e) {
          throw new IllegalArgumentException("not an NSID or NSID prefix followed by .*: " + p, e);
        }
      }
    }
    return new CollectionFilter(Set.copyOf(exact), List.copyOf(prefixes), List.of(patterns));
  }

  /**
   * Whether {@code collection} is wanted.
   *
   * @param collection a collection NSID
   * @return whether an exact pattern names it or a prefix pattern covers it
   */
  @Override
  public boolean test(Nsid collection) {
    return matches(collection.value());
  }

  private boolean matches(String collection) {
    if (exact.contains(collection)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (collection.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether any op of the commit touches a wanted collection. An op whose path does not parse is
   * counted as a match, so a malformed commit is never filtered away unseen.
   *
   * @param commit the commit
   * @return whether the commit has an op this filter wants
   */
  public boolean matches(CommitEvent commit) {
    for (CommitOp op : commit.ops()) {
      try {
        if (test(RepoPath.parse(op.path()).collection())) {
          return true;
        }
      } catch (InvalidSyntaxException e) {
        return true;
      }
    }
    return false;
  }

  /** The patterns, as given. */
  @Override
  public String toString() {
    return "CollectionFilter" + patterns;
  }
}
