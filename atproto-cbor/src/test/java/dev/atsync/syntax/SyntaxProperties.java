package dev.atsync.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SyntaxProperties {
  @Property
  void tidEncodesTimestampAndClock(@ForAll @LongRange(max = (1L << 53) - 1) long micros,
      @ForAll @IntRange(max = 1023) int clock) {
    Tid t = Tid.of(micros, clock);
    assertEquals(micros, t.timestampMicros());
    assertEquals(clock, t.clockId());
    assertEquals(t, Tid.parse(t.toString()));
  }

  @Property
  void tidsSortLikeTheirTimestamps(@ForAll @LongRange(max = (1L << 53) - 1) long a,
      @ForAll @LongRange(max = (1L << 53) - 1) long b) {
    assertEquals(Long.signum(Long.compare(a, b)), Integer.signum(Tid.of(a, 0).compareTo(Tid.of(b, 0))));
  }

  @Test
  void tidClockNeverGoesBackwards() {
    Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
    Clock clock = new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now[0];
      }
    };
    TidClock tids = new TidClock(clock, 7);
    Tid last = tids.next();
    for (int i = 0; i < 1000; i++) {
      if (i % 100 == 0) {
        now[0] = now[0].minusSeconds(10); // wall clock steps back
      }
      Tid t = tids.next();
      assertTrue(t.compareTo(last) > 0, t + " after " + last);
      last = t;
    }
    tids.advancePast(Tid.of(last.timestampMicros() + 5_000_000, 0));
    assertTrue(tids.next().timestampMicros() > last.timestampMicros() + 5_000_000);
  }

  @Test
  void rejectionsNameTheProblem() {
    InvalidSyntaxException e = assertThrows(InvalidSyntaxException.class, () -> Did.parse("did:plc:abc%"));
    assertEquals("DID", e.kind());
    assertEquals(11, e.offset());
    assertTrue(e.getMessage().contains("must not end"), e.getMessage());
    assertEquals(3, assertThrows(InvalidSyntaxException.class, () -> RecordKey.parse("abc/d")).offset());
    InvalidSyntaxException big = assertThrows(InvalidSyntaxException.class, () -> Did.parse("did:x:" + "a".repeat(5000)));
    assertTrue(big.getMessage().length() < 300, "huge inputs are shortened in messages");
    assertEquals("feed.bsky.app", Nsid.parse("app.bsky.feed.post").authority());
    assertEquals("post", Nsid.parse("app.bsky.feed.post").name());
    AtUri u = AtUri.parse("at://did:plc:asdf123/app.bsky.feed.post/3lbf5dnwdbs2c");
    assertEquals("did:plc:asdf123", u.authority().value());
    assertEquals("3lbf5dnwdbs2c", u.recordKey().orElseThrow().value());
    assertTrue(Handle.parse("alice.local").hasDisallowedTld());
    assertEquals("plc", Did.parse("did:plc:asdf123").method());
    assertEquals(Instant.parse("2026-11-23T07:00:00.123Z"), Datetime.of(Instant.parse("2026-11-23T07:00:00.123456Z"))
        .toInstant());
    assertEquals("2026-11-23T07:00:00.000Z", Datetime.of(Instant.parse("2026-11-23T07:00:00Z")).value());
  }
}
