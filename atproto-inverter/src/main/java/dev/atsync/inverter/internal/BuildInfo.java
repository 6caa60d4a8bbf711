package dev.atsync.inverter.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Which build is running: the version and git revision from the manifest of the jar the inverter
 * was loaded from ({@code Implementation-Version}, {@code Build-Revision}, written by the build),
 * or {@code "unknown"} when it runs from classes (an IDE, the test class path).
 *
 * @param version the artifact version
 * @param revision the git commit it was built from
 */
public record BuildInfo(String version, String revision) {
  /** The value of a field the manifest does not have. */
  public static final String UNKNOWN = "unknown";

  /** The build of the jar holding {@code type} (read once per call: cache it). */
  public static BuildInfo of(Class<?> type) {
    java.security.CodeSource source = type.getProtectionDomain().getCodeSource();
    return at(source == null ? null : source.getLocation());
  }

  /** The build of the jar, or the class directory, at {@code where} (null: unknown). */
  public static BuildInfo at(URL where) {
    Manifest m = manifest(where);
    if (m == null) {
      return new BuildInfo(UNKNOWN, UNKNOWN);
    }
    Attributes a = m.getMainAttributes();
    String version = nonBlank(a.getValue("Implementation-Version"));
    String revision = nonBlank(a.getValue("Build-Revision"));
    // without a revision the version is the best there is: a release version names its tag
    return new BuildInfo(version, revision.equals(UNKNOWN) ? version : revision);
  }

  private static String nonBlank(String v) {
    return v == null || v.isBlank() || v.startsWith("${") ? UNKNOWN : v.trim();
  }

  private static Manifest manifest(URL where) {
    try {
      if (where == null || !"file".equals(where.getProtocol())) {
        return null;
      }
      Path p = Path.of(where.toURI());
      if (Files.isRegularFile(p)) {
        try (JarFile jar = new JarFile(p.toFile())) {
          return jar.getManifest();
        }
      }
      Path mf = p.resolve("META-INF/MANIFEST.MF");
      if (Files.isRegularFile(mf)) {
        try (InputStream in = Files.newInputStream(mf)) {
          return new Manifest(in);
        }
      }
      return null;
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      return null; // a build we cannot identify is "unknown", never a failure to start
    }
  }
}
