package dev.atsync.cli;

/** A command failed for a reason the user can act on: printed as one line, with an exit code. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
    this.exitCode = Atsync.USAGE;
  }

  int exitCode() {
    return exitCode;
  }
}
