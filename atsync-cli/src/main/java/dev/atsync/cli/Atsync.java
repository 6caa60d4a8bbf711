package dev.atsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code atsync}: the command-line tool over the atsync libraries (the inverter server and the
 * tools for PDS operators and relay developers). Exit codes: 0 done (and everything checked was
 * valid), 1 something checked was invalid, 2 a usage, configuration or connection error (one line
 * on stderr, no stack trace unless {@code --log-level debug}).
 */
@Command(name = "atsync", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
    versionProvider = Atsync.Version.class, sortOptions = false, showDefaultValues = true,
    synopsisSubcommandLabel = "COMMAND",
    description = "AT Protocol sync tools: the firehose inverter server, and stream, repository, identity and"
        + " relay tools.",
    subcommands = {ServeCommand.class, VerifyCommand.class, CaptureCommand.class, InspectCommand.class,
        RepoCommand.class, ResolveCommand.class, CrawlCommand.class},
    footer = {"", "Exit codes: 0 ok, 1 something checked was invalid, 2 usage, configuration or connection error."})
public final class Atsync implements Runnable {
  /** Exit code: something the command checked was invalid. */
  static final int INVALID = 1;
  /** Exit code: a usage, configuration or connection error. */
  static final int USAGE = 2;

  @Spec
  CommandSpec spec;

  @Option(names = "--log-level", scope = ScopeType.INHERIT, defaultValue = "info", paramLabel = "LEVEL",
      description = "log level: ${COMPLETION-CANDIDATES}")
  Logging.Level logLevel;

  @Option(names = "--log-format", scope = ScopeType.INHERIT, defaultValue = "text", paramLabel = "FORMAT",
      description = "log lines (on stderr) as ${COMPLETION-CANDIDATES}")
  Logging.Format logFormat;

  /** The environment the commands read (System.getenv() in production, a map in tests). */
  Map<String, String> environment = Map.of();

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (one of " + String.join(", ",
        spec.subcommands().keySet()) + ")");
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(execute(args, System.getenv(), System.out, System.err));
  }

  /**
   * Runs a command line.
   *
   * @param args the arguments
   * @param environment the environment variables ({@code serve} reads its {@code ATSYNC_*} options there)
   * @param out where results go
   * @param err where errors go
   * @return the exit code
   */
  static int execute(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
    Atsync root = new Atsync();
    root.environment = Map.copyOf(environment);
    CommandLine cl = commandLine(root);
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setExecutionStrategy(parsed -> {
      Logging.configure(root.loggingOption(parsed, "--log-level", Logging.Level.class, root.logLevel),
          root.loggingOption(parsed, "--log-format", Logging.Format.class, root.logFormat));
      return new CommandLine.RunLast().execute(parsed);
    });
    cl.setParameterExceptionHandler((e, a) -> {
      CommandLine c = e.getCommandLine();
      c.getErr().println("error: " + oneLine(e.getMessage()) + " (see '" + c.getCommandSpec().qualifiedName()
          + " --help')");
      return USAGE;
    });
    cl.setExecutionExceptionHandler((e, c, parsed) -> {
      int code = e instanceof CliException ce ? ce.exitCode() : USAGE;
      c.getErr().println("error: " + oneLine(describe(e)));
      LoggerFactory.getLogger(Atsync.class).debug("{} failed", c.getCommandSpec().qualifiedName(), e);
      return code;
    });
    return cl.execute(args);
  }

  /** The command line over {@code root}, configured as {@code atsync} runs it (also for the help texts). */
  static CommandLine commandLine(Atsync root) {
    CommandLine cl = new CommandLine(root);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setUsageHelpAutoWidth(false);
    cl.setUsageHelpWidth(100);
    // serve's options also come from ATSYNC_* variables
    cl.getSubcommands().get("serve").setDefaultValueProvider(new ServeCommand.EnvDefaults(root.environment));
    return cl;
  }

  /**
   * A logging option's value: as given on the command line (to atsync or to the command), else, for
   * {@code serve}, from its {@code ATSYNC_*} variable, else the default.
   */
  <E extends Enum<E>> E loggingOption(CommandLine.ParseResult parsed, String name, Class<E> type, E given) {
    CommandLine.ParseResult deepest = parsed;
    boolean explicit = parsed.hasMatchedOption(name);
    while (deepest.hasSubcommand()) {
      deepest = deepest.subcommand();
      explicit |= deepest.hasMatchedOption(name);
    }
    String variable = "ATSYNC_" + name.substring(2).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    String env = environment.get(variable);
    if (explicit || env == null || env.isBlank() || !deepest.commandSpec().name().equals("serve")) {
      return given;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(env.trim())) {
        return e;
      }
    }
    throw new ParameterException(deepest.commandSpec().commandLine(), variable + ": '" + env + "' is not one of "
        + java.util.Arrays.toString(type.getEnumConstants()));
  }

  /** What went wrong, for a person: the message, or the exception's type when it has none. */
  static String describe(Throwable e) {
    Throwable t = e;
    if (t instanceof UncheckedIOException && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (t instanceof CliException || t instanceof IllegalArgumentException) {
      return m == null ? t.getClass().getSimpleName() : m;
    }
    return m == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
  }

  static String oneLine(String s) {
    String t = s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", "; ").trim();
    return t.length() > 1000 ? t.substring(0, 1000) + "..." : t;
  }

  /** The version and git revision the build wrote into {@code version.properties}. */
  static final class Version implements CommandLine.IVersionProvider {
    static final String VERSION;
    static final String REVISION;

    static {
      Properties p = new Properties();
      try (InputStream in = Atsync.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      VERSION = p.getProperty("version", "unknown");
      REVISION = p.getProperty("revision", "unknown");
    }

    @Override
    public String[] getVersion() {
      return new String[] {"atsync " + VERSION + " (revision " + REVISION + ")"};
    }

    /** The {@code User-Agent} of every request the tool makes. */
    static String userAgent() {
      return "atsync/" + VERSION;
    }
  }
}
