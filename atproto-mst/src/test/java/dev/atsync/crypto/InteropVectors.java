package dev.atsync.crypto;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates and reads the shared atproto interop vectors; fails (never skips) when missing. */
final class InteropVectors {
  private InteropVectors() {}

  static JsonNode read(String relative) throws IOException {
    String dir = System.getProperty("atsync.interop.dir");
    if (dir == null) {
      fail("system property atsync.interop.dir is not set (Surefire sets it from the root pom)");
    }
    Path file = Path.of(dir).resolve(relative);
    if (!Files.isRegularFile(file)) {
      fail("interop vector file not found: looked at " + file.toAbsolutePath());
    }
    return new ObjectMapper().readTree(file.toFile());
  }
}
