package dev.atsync.bench;

import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.Mst;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Tid;
import dev.atsync.syntax.Did;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Realistic blocks and repositories for the benchmarks. */
public final class Fixtures {
  public static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");

  private Fixtures() {}

  static Cid cid(String seed) {
    return Cid.ofDagCbor(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** An app.bsky.feed.post with a reply, langs, a facet with a link, and a createdAt. */
  public static Value.Map post() {
    Value.Map ref = new Value.Map(Map.of("cid", Value.of(cid("parent").toString()),
        "uri", Value.of("at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lbf5dnwdbs2c")));
    Value.Map facet = new Value.Map(Map.of(
        "index", new Value.Map(Map.of("byteStart", Value.of(10), "byteEnd", Value.of(38))),
        "features", new Value.List(List.of(new Value.Map(Map.of("$type", Value.of("app.bsky.richtext.facet#link"),
            "uri", Value.of("https://example.com/some/long/path?query=1")))))));
    return new Value.Map(Map.of(
        "$type", Value.of("app.bsky.feed.post"),
        "text", Value.of("Reading up on https://example.com/some/long/path today — the Merkle search tree "
            + "design is neat: shape depends only on the keys. 🌲"),
        "createdAt", Value.of("2026-11-23T07:00:00.123Z"),
        "langs", new Value.List(List.of(Value.of("en"))),
        "reply", new Value.Map(Map.of("root", ref, "parent", ref)),
        "facets", new Value.List(List.of(facet))));
  }

  /** An app.bsky.feed.like. */
  public static Value.Map like() {
    return new Value.Map(Map.of("$type", Value.of("app.bsky.feed.like"), "createdAt",
        Value.of("2026-11-23T07:00:00.123Z"), "subject", new Value.Map(Map.of("cid", Value.of(cid("s").toString()),
            "uri", Value.of("at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lbf5dnwdbs2c")))));
  }

  /** Record paths like a PDS's: collection plus TID rkeys. */
  public static List<String> keys(int n) {
    List<String> out = new ArrayList<>(n);
    long micros = 1_700_000_000_000_000L;
    for (int i = 0; i < n; i++) {
      String coll = i % 3 == 0 ? "app.bsky.feed.like" : i % 3 == 1 ? "app.bsky.feed.post" : "app.bsky.graph.follow";
      out.add(coll + "/" + Tid.of(micros + i * 1_013L, 0));
    }
    return out;
  }

  /** A bulk-built tree of {@code n} keys, every node encoded. */
  public static Mst tree(int n) {
    TreeMap<String, Cid> m = new TreeMap<>();
    Cid v = cid("record");
    for (String k : keys(n)) {
      m.put(k, v);
    }
    return Mst.build(m, BlockSource.EMPTY);
  }

  /** The largest node of a 100,000-key tree: a realistic MST node block. */
  public static byte[] mstNode() {
    byte[] best = null;
    for (byte[] b : tree(20_000).allNodes().values()) {
      if (best == null || b.length > best.length) {
        best = b;
      }
    }
    return best;
  }

  /** A signed v3 commit block. */
  public static byte[] commitBlock() {
    Repository r = Repository.create(DID, PrivateKey.generate(Curve.SECP256K1), BlockStore.inMemory());
    r.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + "3lbf5dnwdbs2c"), post())));
    return r.head().orElseThrow().encode();
  }

  public static byte[] encoded(Value v) {
    return DagCbor.encode(v);
  }
}
