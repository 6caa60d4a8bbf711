package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** What {@code verify} and {@code capture} accept as a stream. */
class StreamUrlsTest {
  @Test
  void hostsAndFullUrls() {
    assertEquals("wss://bsky.network/xrpc/com.atproto.sync.subscribeRepos",
        StreamUrls.subscribeRepos("wss://bsky.network").toString());
    assertEquals("wss://pds.example.com/xrpc/com.atproto.sync.subscribeRepos",
        StreamUrls.subscribeRepos("https://pds.example.com/").toString());
    assertEquals("ws://127.0.0.1:2470/xrpc/com.atproto.sync.subscribeRepos",
        StreamUrls.subscribeRepos("http://127.0.0.1:2470").toString());
    assertEquals("ws://h:1/xrpc/com.atproto.sync.subscribeRepos?cursor=5",
        StreamUrls.subscribeRepos("ws://h:1/xrpc/com.atproto.sync.subscribeRepos?cursor=5").toString());
  }

  @Test
  void otherSchemesAndNoHostAreUsageErrors() {
    assertEquals(Atsync.USAGE, assertThrows(CliException.class, () -> StreamUrls.subscribeRepos("ftp://h")).exitCode());
    assertThrows(CliException.class, () -> StreamUrls.subscribeRepos("wss://"));
    assertThrows(CliException.class, () -> StreamUrls.subscribeRepos("wss://a b"));
  }
}
