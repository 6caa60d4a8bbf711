package dev.atsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code --help} text of every command is checked in (src/test/resources/help/*.txt), so the
 * documentation cannot drift from the options. After changing an option, regenerate them with
 * {@code -Datsync.help.write=true} and review the diff.
 */
class HelpTextTest {
  static final Path DIR = Path.of("src/test/resources/help");

  @Test
  void everyCommandsHelpIsCheckedIn() throws IOException {
    List<String> commands = new ArrayList<>(List.of(""));
    commands.addAll(Atsync.commandLine(new Atsync()).getSubcommands().keySet());
    boolean write = Boolean.getBoolean("atsync.help.write");
    for (String c : commands) {
      Run r = c.isEmpty() ? Run.of("--help") : Run.of(c, "--help");
      assertEquals(0, r.code(), r.err());
      Path file = DIR.resolve((c.isEmpty() ? "atsync" : c) + ".txt");
      if (write) {
        Files.writeString(file, r.out(), StandardCharsets.UTF_8);
      }
      assertEquals(Files.readString(file, StandardCharsets.UTF_8), r.out(), "atsync " + c + " --help differs from "
          + file + " (regenerate with -Datsync.help.write=true)");
    }
  }
}
