package dev.atsync.bench.cbor;

import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Realistic atproto blocks for the benchmarks, built deterministically. */
final class Blocks {
  private Blocks() {}

  static Cid cid(Random r) {
    byte[] d = new byte[32];
    r.nextBytes(d);
    return Cid.ofDigest(Cid.Codec.DAG_CBOR, d);
  }

  static Value strongRef(Random r, String rkey) {
    return new Value.Map(Map.of(
        "uri", Value.of("at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/" + rkey),
        "cid", Value.of(cid(r))));
  }

  static Value post() {
    Random r = new Random(1);
    String text = "Just shipped the new release of our sync library \uD83C\uDF89 check the changelog at "
        + "example.com/changelog and tell us what you think! Thanks to everyone who helped test it.";
    int start = text.indexOf("example.com");
    Value facet = new Value.Map(Map.of(
        "index", new Value.Map(Map.of(
            "byteStart", Value.of(text.substring(0, start).getBytes(StandardCharsets.UTF_8).length),
            "byteEnd", Value.of(text.substring(0, start).getBytes(StandardCharsets.UTF_8).length + 21))),
        "features", new Value.List(List.of(new Value.Map(Map.of(
            "$type", Value.of("app.bsky.richtext.facet#link"),
            "uri", Value.of("https://example.com/changelog")))))));
    return new Value.Map(Map.of(
        "$type", Value.of("app.bsky.feed.post"),
        "text", Value.of(text),
        "createdAt", Value.of("2024-11-23T07:47:25.123Z"),
        "langs", new Value.List(List.of(Value.of("en"))),
        "facets", new Value.List(List.of(facet)),
        "reply", new Value.Map(Map.of(
            "root", strongRef(r, "3kgeu3m2cxs2p"),
            "parent", strongRef(r, "3kgeu3m2cxs2q")))));
  }

  static Value like() {
    Random r = new Random(2);
    return new Value.Map(Map.of(
        "$type", Value.of("app.bsky.feed.like"),
        "subject", strongRef(r, "3kgeu3m2cxs2p"),
        "createdAt", Value.of("2024-11-23T07:47:25.123Z")));
  }

  /** An MST node with 20 entries: keys share a collection prefix, as in real repositories. */
  static Value mstNode() {
    Random r = new Random(3);
    List<Value> entries = new ArrayList<>();
    String prev = "";
    for (int i = 0; i < 20; i++) {
      String key = "app.bsky.feed.post/3kgeu3m2c" + (char) ('a' + i) + "s2" + (char) ('a' + r.nextInt(26));
      int p = 0;
      while (p < prev.length() && p < key.length() && prev.charAt(p) == key.charAt(p)) {
        p++;
      }
      byte[] suffix = key.substring(p).getBytes(StandardCharsets.US_ASCII);
      entries.add(new Value.Map(Map.of(
          "k", new Value.Bytes(suffix),
          "p", Value.of(p),
          "t", i % 4 == 0 ? Value.of(cid(r)) : Value.NULL,
          "v", Value.of(cid(r)))));
      prev = key;
    }
    return new Value.Map(Map.of("e", new Value.List(entries), "l", Value.of(cid(r))));
  }

  static Value commit() {
    Random r = new Random(4);
    byte[] sig = new byte[64];
    r.nextBytes(sig);
    return new Value.Map(Map.of(
        "did", Value.of("did:plc:z72i7hdynmk6r22z27h6tvur"),
        "version", Value.of(3),
        "data", Value.of(cid(r)),
        "rev", Value.of("3kgeu3m2cxs2p"),
        "prev", Value.NULL,
        "sig", new Value.Bytes(sig)));
  }

  static Value byName(String name) {
    switch (name) {
      case "post":
        return post();
      case "like":
        return like();
      case "mstNode":
        return mstNode();
      case "commit":
        return commit();
      default:
        throw new IllegalArgumentException(name);
    }
  }
}
