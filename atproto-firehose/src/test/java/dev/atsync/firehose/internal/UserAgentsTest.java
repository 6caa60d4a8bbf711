package dev.atsync.firehose.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atsync.firehose.identity.HttpIdentityResolver;
import dev.atsync.firehose.subscribe.FirehoseSubscriber;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The one User-Agent rule, as the client builders apply it. */
class UserAgentsTest {
  @Test
  void aPrintableValueIsKept() {
    assertEquals("atsync/0.1.0 (+https://example.com)", UserAgents.checked("atsync/0.1.0 (+https://example.com)"));
    assertEquals(256, UserAgents.checked("a".repeat(256)).length());
  }

  @Test
  void emptyControlAndNonAsciiValuesAreRefusedByEveryBuilder() {
    for (String agent : new String[] {"", " ", "atsync\r\nX-Injected: 1", "atsync\t1", "atsync/\u00e9"}) {
      assertThrows(IllegalArgumentException.class, () -> UserAgents.checked(agent), agent);
      assertThrows(IllegalArgumentException.class, () -> HttpIdentityResolver.builder().userAgent(agent), agent);
      assertThrows(IllegalArgumentException.class,
          () -> FirehoseSubscriber.builder(URI.create("ws://127.0.0.1:1/xrpc/com.atproto.sync.subscribeRepos"))
              .userAgent(agent), agent);
    }
  }

  @Test
  void aValueLongerThan256IsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> UserAgents.checked("a".repeat(257)));
    assertEquals("User-Agent must be 1 to 256 printable ASCII characters", e.getMessage());
  }
}
