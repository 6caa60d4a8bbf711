package dev.atsync.firehose;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.syntax.Nsid;
import org.junit.jupiter.api.Test;

class CollectionFilterTest {
  @Test
  void exactAndPrefixPatternsAsAtprotoSyncTakesThem() {
    CollectionFilter f = CollectionFilter.of("app.bsky.feed.post", "app.bsky.graph.*");
    assertTrue(f.test(Nsid.parse("app.bsky.feed.post")));
    assertFalse(f.test(Nsid.parse("app.bsky.feed.like")));
    assertFalse(f.test(Nsid.parse("app.bsky.feed.postgres")));
    assertTrue(f.test(Nsid.parse("app.bsky.graph.follow")));
    assertTrue(f.test(Nsid.parse("app.bsky.graph.list.item")));
    assertFalse(f.test(Nsid.parse("app.bsky.graphs.follow")), "a prefix ends at a segment boundary");
    assertTrue(CollectionFilter.of("com.*").test(Nsid.parse("com.example.thing")));
  }

  @Test
  void badPatternsAreRefused() {
    assertThrows(IllegalArgumentException.class, CollectionFilter::of);
    assertThrows(IllegalArgumentException.class, () -> CollectionFilter.of("not an nsid"));
    assertThrows(IllegalArgumentException.class, () -> CollectionFilter.of("*"));
    assertThrows(IllegalArgumentException.class, () -> CollectionFilter.of(".*"));
    assertThrows(IllegalArgumentException.class, () -> CollectionFilter.of("app..*"));
  }
}
