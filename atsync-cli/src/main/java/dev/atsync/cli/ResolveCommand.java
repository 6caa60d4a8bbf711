package dev.atsync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atsync.firehose.identity.Identity;
import dev.atsync.firehose.identity.IdentityException;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import java.io.PrintWriter;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atsync resolve}: a DID or handle to its document, signing key, PDS and handle check. */
@Command(name = "resolve", sortOptions = false, showDefaultValues = true,
    description = {"Resolve a DID (did:plc through the PLC directory, did:web over https) or a handle (DNS TXT"
        + " _atproto.<handle>, then https://<handle>/.well-known/atproto-did) to the DID document, the #atproto"
        + " signing key, the PDS endpoint, and check the handle both ways: the document claims the handle and"
        + " the handle resolves to the DID."},
    footer = {"", "Exit codes: 0 resolved and the handle checks out both ways, 1 the handle does not match, 2 usage"
        + " or resolution error.",
        "Example:", "  atsync resolve alice.bsky.social", "  atsync resolve did:plc:ewvi7nxzyoun6zhxrhs64oiz --json"})
final class ResolveCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DID|HANDLE", description = "the account")
  String subject;

  @Mixin
  Identities.Options identity;

  @Option(names = "--handle-resolver", paramLabel = "URL",
      description = "resolve handles with this service's com.atproto.identity.resolveHandle instead of DNS and"
          + " https (e.g. a PDS)")
  URI handleResolver;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Override
  public Integer call() {
    Handles handles = new Handles(Optional.ofNullable(handleResolver));
    Did did;
    Optional<Handle> asked = Optional.empty();
    if (subject.startsWith("did:")) {
      if (!Did.isValid(subject)) {
        throw new CliException(Atsync.USAGE, "'" + subject + "' is not a valid DID");
      }
      did = Did.parse(subject);
    } else {
      if (!Handle.isValid(subject)) {
        throw new CliException(Atsync.USAGE, "'" + subject + "' is neither a DID nor a valid handle");
      }
      asked = Optional.of(Handle.parse(subject));
      String[] found = handles.resolve(asked.get()).orElseThrow(() -> new CliException(Atsync.USAGE,
          "handle " + subject + " does not resolve to a DID (DNS TXT _atproto." + subject + ", https well-known"
              + (handleResolver == null ? "" : ", or " + handleResolver) + ")"));
      did = Did.parse(found[0]);
    }
    Identity id;
    try {
      id = identity.keySource().resolve(did);
    } catch (IdentityException e) {
      throw new CliException(Atsync.USAGE, "cannot resolve " + did + ": " + e.getMessage());
    }
    // the handle both ways: the document claims it, and it resolves back to this DID
    Optional<Handle> claimed = id.handle();
    Optional<String> back = claimed.flatMap(h -> handles.resolve(h).map(r -> r[0]));
    boolean bothWays = claimed.isPresent() && back.filter(did.value()::equals).isPresent()
        && asked.map(a -> a.normalized().equals(claimed.get().normalized())).orElse(true);
    String problem = claimed.isEmpty() ? "the DID document claims no handle"
        : back.isEmpty() ? "handle " + claimed.get() + " does not resolve"
        : !back.get().equals(did.value()) ? "handle " + claimed.get() + " resolves to " + back.get() + ", not " + did
        : !bothWays ? "the DID document claims " + claimed.get() + ", not " + asked.get() : null;
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode n = Handles.JSON.createObjectNode().put("did", did.value());
      claimed.ifPresent(h -> n.put("handle", h.value()));
      n.put("handleVerified", bothWays);
      if (problem != null) {
        n.put("handleProblem", problem);
      }
      n.put("signingKey", id.signingKey().didKey());
      id.pds().ifPresent(p -> n.put("pds", p.toString()));
      handles.document(did, identity.plcUrl).ifPresent(d -> n.set("document", d));
      out.println(n);
    } else {
      out.println("did:         " + did);
      out.println("handle:      " + claimed.map(Handle::value).orElse("-")
          + (bothWays ? " (verified both ways)" : " (NOT verified: " + problem + ")"));
      out.println("signing key: " + id.signingKey().didKey());
      out.println("pds:         " + id.pds().map(URI::toString).orElse("-"));
      handles.document(did, identity.plcUrl).ifPresent(d -> out.println("document:    " + d.toPrettyString()
          .replace("\n", "\n             ")));
    }
    return bothWays ? 0 : Atsync.INVALID;
  }
}
