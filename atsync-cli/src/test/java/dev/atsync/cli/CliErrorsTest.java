package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each class of mistake: one line on stderr saying what is wrong, exit 2, no stack trace. */
class CliErrorsTest {
  @TempDir
  Path tmp;

  static void oneLineError(Run r, String expected) {
    assertEquals(2, r.code(), r.err());
    String[] lines = r.err().strip().split("\n");
    assertEquals(1, lines.length, "one line: " + r.err());
    assertTrue(lines[0].startsWith("error: "), r.err());
    assertTrue(lines[0].contains(expected), "'" + expected + "' in: " + r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertEquals("", r.out());
  }

  @Test
  void unknownOption() {
    oneLineError(Run.of("serve", "--bogus"), "Unknown option: '--bogus'");
    oneLineError(Run.of("verify", "x.bin", "--bogus", "1"), "--bogus");
  }

  @Test
  void missingValue() {
    oneLineError(Run.of("verify", "wss://example.com", "--cursor"), "Missing required parameter for option '--cursor'");
    oneLineError(Run.of("serve", "--public-port"), "--public-port");
  }

  @Test
  void missingCommandOrArgument() {
    oneLineError(Run.of(), "missing command");
    oneLineError(Run.of("verify"), "SOURCE");
    oneLineError(Run.of("nosuch"), "nosuch");
  }

  @Test
  void badNumber() {
    oneLineError(Run.of("serve", "--public-port", "abc"), "'abc' is not an int");
    oneLineError(Run.of(Map.of("ATSYNC_SEQ_FLOOR", "x1"), "serve"), "x1");
  }

  @Test
  void badEnumValue() {
    oneLineError(Run.of("serve", "--event-log", "postgres"), "sqlite, memory, jetstream");
    oneLineError(Run.of("verify", "f", "--policy", "loose"), "strict, indigo, lenient");
  }

  @Test
  void badDuration() {
    oneLineError(Run.of("serve", "--reorder-wait", "3"), "'3' is not a duration");
    oneLineError(Run.of("verify", "wss://example.com", "--duration", "10 minutes"), "is not a duration");
    assertEquals(java.time.Duration.ofMinutes(90), Durations.parse("1h30m"));
    assertEquals(java.time.Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(java.time.Duration.ofHours(72), Durations.parse("72h"));
  }

  @Test
  void unknownEnvironmentVariable() {
    oneLineError(Run.of(Map.of("ATSYNC_PUBLIC_PROT", "1"), "serve"), "unknown environment variable ATSYNC_PUBLIC_PROT");
  }

  @Test
  void badLoggingValue() {
    oneLineError(Run.of("--log-level", "loud", "resolve", "did:plc:x"), "loud");
    oneLineError(Run.of(Map.of("ATSYNC_LOG_LEVEL", "loud"), "serve"), "ATSYNC_LOG_LEVEL: 'loud'");
  }

  @Test
  void unusableDataDir() throws IOException {
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
    oneLineError(Run.of("serve", "--data-dir", file.resolve("sub").toString(), "--public-port", "0",
        "--ingest-port", "0"), "--data-dir");
  }

  @Test
  void tokenFileWithoutTokens() throws IOException {
    Path file = Files.writeString(tmp.resolve("tokens"), "# nothing\n\n");
    oneLineError(Run.of("serve", "--ingest-token-file", file.toString(), "--event-log", "memory"), "holds no token");
  }

  @Test
  void busyPortIsOneLine() throws Exception {
    int[] ports = FreePorts.take(1);
    try (ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress("127.0.0.1", ports[0]));
      Process p = Run.serve(Map.of("ATSYNC_INGEST_TOKEN", "busy-port-token-0123456789"), "--public-host", "127.0.0.1",
          "--public-port", String.valueOf(ports[0]), "--ingest-port", "0", "--event-log", "memory").start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "serve exits when its port is taken");
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(2, p.exitValue(), err);
      String last = err.strip().lines().reduce((a, b) -> b).orElse("");
      assertTrue(last.startsWith("error: cannot listen on 127.0.0.1:" + ports[0]), err);
      assertFalse(err.contains("\tat "), "no stack trace: " + err);
    }
  }

  @Test
  void versionNamesTheRevision() {
    Run r = Run.of("--version");
    assertEquals(0, r.code());
    assertTrue(r.out().matches("atsync \\S+ \\(revision \\S+\\)\\s*"), r.out());
  }
}
