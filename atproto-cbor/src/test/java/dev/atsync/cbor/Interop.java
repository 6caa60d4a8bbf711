package dev.atsync.cbor;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the official atproto interop vectors; a missing directory fails the test loudly. */
public final class Interop {
  private Interop() {}

  /** The file at {@code relative} under the interop directory, read as UTF-8. */
  public static String read(String relative) {
    String dir = System.getProperty("atsync.interop.dir");
    if (dir == null) {
      fail("system property atsync.interop.dir is not set (Surefire sets it from the root pom)");
    }
    Path p = Path.of(dir).resolve(relative);
    if (!Files.isRegularFile(p)) {
      fail("interop vector file not found: " + p.toAbsolutePath());
    }
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
