package dev.atsync.cbor.jackson;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.cbor.CborException;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DagCborMapperTest {
  /** A strong reference: com.atproto.repo.strongRef. */
  record StrongRef(String uri, Cid cid) {}

  /** Reply refs of a post. */
  record ReplyRef(StrongRef root, StrongRef parent) {}

  /** A subset of app.bsky.feed.post, fields deliberately not in canonical order. */
  record Post(
      @JsonProperty("$type") String type,
      String text,
      String createdAt,
      List<String> langs,
      ReplyRef reply,
      byte[] sig) {}

  record WithFloat(double d) {}

  static final Cid ROOT = Cid.ofDagCbor("root".getBytes(StandardCharsets.UTF_8));
  static final Cid PARENT = Cid.ofDagCbor("parent".getBytes(StandardCharsets.UTF_8));

  static Post post() {
    return new Post("app.bsky.feed.post", "hello \uD83D\uDE00 world", "2024-01-01T00:00:00.000Z",
        List.of("en", "de"),
        new ReplyRef(new StrongRef("at://did:plc:abc/app.bsky.feed.post/1", ROOT),
            new StrongRef("at://did:plc:abc/app.bsky.feed.post/2", PARENT)),
        new byte[] {1, 2, 3});
  }

  static Value postValue() {
    return new Value.Map(Map.of(
        "$type", Value.of("app.bsky.feed.post"),
        "text", Value.of("hello \uD83D\uDE00 world"),
        "createdAt", Value.of("2024-01-01T00:00:00.000Z"),
        "langs", new Value.List(List.of(Value.of("en"), Value.of("de"))),
        "reply", new Value.Map(Map.of(
            "root", new Value.Map(Map.of("uri", Value.of("at://did:plc:abc/app.bsky.feed.post/1"), "cid", Value.of(ROOT))),
            "parent", new Value.Map(Map.of("uri", Value.of("at://did:plc:abc/app.bsky.feed.post/2"), "cid", Value.of(PARENT))))),
        "sig", new Value.Bytes(new byte[] {1, 2, 3})));
  }

  @Test
  void recordEncodesLikeTheValue() {
    DagCborMapper m = new DagCborMapper();
    byte[] bytes = m.encode(post());
    assertArrayEquals(DagCbor.encode(postValue()), bytes);
    assertEquals(DagCbor.cidOf(postValue()), m.cidOf(post()));
    Post back = m.decode(bytes, Post.class);
    assertEquals(post().text(), back.text());
    assertEquals(post().reply(), back.reply());
    assertArrayEquals(post().sig(), back.sig());
    assertEquals(post().langs(), back.langs());
  }

  @Test
  void nullFieldsAreOmitted() {
    DagCborMapper m = new DagCborMapper();
    Post p = new Post("app.bsky.feed.post", "x", "2024-01-01T00:00:00.000Z", null, null, null);
    Value v = m.toValue(p);
    assertEquals(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of("x"),
        "createdAt", Value.of("2024-01-01T00:00:00.000Z")), ((Value.Map) v).entries());
  }

  @Test
  void floatsRejectedAndBadBytesStrict() {
    DagCborMapper m = new DagCborMapper();
    assertThrows(IllegalArgumentException.class, () -> m.encode(new WithFloat(1.5)));
    byte[] bytes = m.encode(post());
    byte[] nonCanonical = bytes.clone();
    nonCanonical[0] = (byte) 0xBF; // indefinite-length map
    assertThrows(CborException.class, () -> m.decode(nonCanonical, Post.class));
  }

  @Test
  void lenientJacksonCborReadsTheSameBytes() throws Exception {
    ObjectMapper lenient = DagCborMapper.lenientCborMapper();
    byte[] bytes = new DagCborMapper().encode(post());
    Post p = lenient.readValue(bytes, Post.class);
    assertEquals(post().reply(), p.reply());
    assertEquals(post().text(), p.text());
    // and Jackson's own output decodes with the module, though it is not canonical
    Post again = lenient.readValue(lenient.writeValueAsBytes(post()), Post.class);
    assertEquals(post().reply(), again.reply());
  }
}
