package dev.atsync.inverter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildInfoTest {
  @TempDir
  Path dir;

  static Manifest manifest(String version, String revision) {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (version != null) {
      m.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
    }
    if (revision != null) {
      m.getMainAttributes().putValue("Build-Revision", revision);
    }
    return m;
  }

  @Test
  void versionAndRevisionComeFromTheJarsManifest() throws Exception {
    Path jar = dir.resolve("atproto-inverter.jar");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out, manifest("0.1.0", "81a30f7c0ffee"))) {
      j.flush();
    }
    assertEquals(new BuildInfo("0.1.0", "81a30f7c0ffee"), BuildInfo.at(jar.toUri().toURL()));
  }

  @Test
  void aClassDirectoryWithoutAManifestIsUnknown() throws Exception {
    assertEquals(new BuildInfo("unknown", "unknown"), BuildInfo.at(dir.toUri().toURL()));
    assertEquals(new BuildInfo("unknown", "unknown"), BuildInfo.at(null));
  }

  @Test
  void withoutARevisionTheVersionStandsIn() throws Exception {
    Files.createDirectories(dir.resolve("META-INF"));
    try (OutputStream out = Files.newOutputStream(dir.resolve("META-INF/MANIFEST.MF"))) {
      manifest("0.2.0", "${atsync.git.commit.id}").write(out);
    }
    assertEquals(new BuildInfo("0.2.0", "0.2.0"), BuildInfo.at(dir.toUri().toURL()));
  }
}
