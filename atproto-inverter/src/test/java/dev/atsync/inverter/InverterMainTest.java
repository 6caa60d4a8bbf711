package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.identity.CachingIdentityResolver;
import dev.atsync.firehose.verify.KeySource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Option parsing of the standalone server. */
class InverterMainTest {
  @Test
  void flagsWinOverEnvironmentOverDefaults() {
    Map<String, List<String>> o = InverterMain.parse(new String[] {"--seq-floor", "500", "--token=aaaaaaaaaaaaaaaa1"},
        Map.of("ATSYNC_SEQ_FLOOR", "9", "ATSYNC_PUBLIC_PORT", "3000", "ATSYNC_TOKEN", "x,y"));
    assertEquals(500, InverterMain.number(o, "seq-floor"));
    assertEquals(3000, InverterMain.number(o, "public-port"));
    assertEquals(List.of("aaaaaaaaaaaaaaaa1"), o.get("token"));
    assertEquals("sqlite", InverterMain.one(o, "log"));
    assertThrows(IllegalArgumentException.class, () -> InverterMain.parse(new String[] {"--nope", "1"}, Map.of()));
    assertThrows(IllegalArgumentException.class, () -> InverterMain.parse(new String[] {"--seq-floor"}, Map.of()));
  }

  @Test
  void signatureChecksUseTheCachingResolver() {
    Map<String, List<String>> on = InverterMain.parse(new String[] {"--signatures", "on", "--plc-url",
        "http://127.0.0.1:1"}, Map.of());
    assertTrue(InverterMain.keys(on) instanceof CachingIdentityResolver);
    assertEquals(KeySource.NONE, InverterMain.keys(InverterMain.parse(new String[0], Map.of())));
    assertThrows(IllegalArgumentException.class,
        () -> InverterMain.keys(InverterMain.parse(new String[] {"--signatures", "maybe"}, Map.of())));
    assertThrows(IllegalArgumentException.class, () -> InverterMain.check("sometimes", KeySource.NONE));
    assertEquals(EventCheck.NONE, InverterMain.check("off", KeySource.NONE));
  }
}
