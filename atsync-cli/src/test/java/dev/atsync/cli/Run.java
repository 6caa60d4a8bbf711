package dev.atsync.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One in-process run of {@code atsync}: its exit code, stdout and stderr. */
record Run(int code, String out, String err) {
  static Run of(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Atsync.execute(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Run of(String... args) {
    return of(Map.of(), args);
  }

  /**
   * The serve command as a separate JVM on the test class path (it runs until killed). On JDK 22+
   * it is given native access, as the jar's manifest gives it when run with {@code -jar}: else the
   * JVM warns on stderr when the SQLite driver loads its library, among the log lines.
   */
  static ProcessBuilder serve(Map<String, String> env, String... args) {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (Runtime.version().feature() >= 22) {
      cmd.add("--enable-native-access=ALL-UNNAMED");
    }
    cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), Atsync.class.getName(), "serve"));
    cmd.addAll(java.util.List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("ATSYNC_"));
    pb.environment().putAll(env);
    return pb;
  }
}
