package dev.atsync.inverter;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when a real service it needs (nats-server, caddy, the reference PDS) is
 * missing: locally it is skipped with the reason; where the environment variable
 * {@code ATSYNC_REQUIRE_SERVICES} is {@code 1} or {@code true} (CI sets it after installing them)
 * it fails, so a service that did not install can never pass as a skip.
 */
public final class RequiredServices {
  private RequiredServices() {
  }

  /** Whether this run must have every service. */
  public static boolean required() {
    String v = System.getenv("ATSYNC_REQUIRE_SERVICES");
    return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
  }

  /** Skips, or fails where services are required, unless {@code available}. */
  public static void assume(boolean available, String whyMissing) {
    if (available) {
      return;
    }
    if (required()) {
      Assertions.fail(whyMissing + " (ATSYNC_REQUIRE_SERVICES is set, so this is a failure, not a skip)");
    }
    Assumptions.abort(whyMissing);
  }
}
