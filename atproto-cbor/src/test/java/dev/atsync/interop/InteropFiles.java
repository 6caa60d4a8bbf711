package dev.atsync.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates the official atproto interop vectors ({@code ../shared/interop} from the repository
 * root; Surefire passes the directory as system property {@code atsync.interop.dir}) and reads
 * them. A missing directory fails the test with the path it looked at: the vectors are required,
 * never silently skipped. Shared with other modules' tests through this module's test jar.
 */
public final class InteropFiles {
  private InteropFiles() {}

  /** The interop directory. */
  public static Path dir() {
    String configured = System.getProperty("atsync.interop.dir");
    Path p = configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "interop");
    if (!Files.isDirectory(p)) {
      throw new AssertionError("atproto interop vectors not found at " + p.toAbsolutePath().normalize()
          + " (expected ../shared/interop beside the repository; set -Datsync.interop.dir)");
    }
    return p;
  }

  /** A file under the interop directory, such as {@code syntax/did_syntax_valid.txt}. */
  public static Path file(String relative) {
    Path f = dir().resolve(relative);
    if (!Files.isRegularFile(f)) {
      throw new AssertionError("interop vector file missing: " + f.toAbsolutePath().normalize());
    }
    return f;
  }

  /** The whole file as UTF-8 text. */
  public static String read(String relative) {
    try {
      return Files.readString(file(relative), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The cases of a syntax vector file: one per line, UTF-8, skipping empty lines and lines that
   * start with {@code #}, and never trimming (leading and trailing spaces are part of some
   * invalid cases).
   */
  public static List<String> lines(String relative) {
    List<String> out = new ArrayList<>();
    for (String line : read(relative).split("\n", -1)) {
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      out.add(line);
    }
    return out;
  }
}
