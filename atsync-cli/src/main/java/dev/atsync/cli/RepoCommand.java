package dev.atsync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atsync.car.CarBlock;
import dev.atsync.car.CarReader;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import dev.atsync.firehose.identity.CachingIdentityResolver;
import dev.atsync.firehose.identity.Identity;
import dev.atsync.firehose.identity.IdentityException;
import dev.atsync.mst.BlockSource;
import dev.atsync.mst.Mst;
import dev.atsync.mst.MstException;
import dev.atsync.relay.RelayClient;
import dev.atsync.relay.XrpcException;
import dev.atsync.repo.Commit;
import dev.atsync.syntax.Did;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atsync repo}: download a repository, verify it, list or export its records. */
@Command(name = "repo", sortOptions = false, showDefaultValues = true,
    description = {"Download an account's repository (com.atproto.sync.getRepo from its PDS, or from --from, a PDS"
        + " or relay, following the redirect), verify the commit's signature against the account's key and the"
        + " MST (every node and record present, the tree the canonical one for its keys), then list the records"
        + " (at-uri and CID, one per line) or, with --json, export them (one atproto JSON object per line)."},
    footer = {"", "Exit codes: 0 verified, 1 the signature, commit or tree is invalid, 2 usage, resolution or"
        + " download error.",
        "Limits: the whole CAR is held in memory, up to --max-bytes.",
        "Example:", "  atsync repo did:plc:ewvi7nxzyoun6zhxrhs64oiz --collection app.bsky.feed.post --json"})
final class RepoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DID", description = "the account")
  String account;

  @Option(names = "--from", paramLabel = "URL",
      description = "PDS or relay to download from (default: the PDS in the account's DID document)")
  URI from;

  @Option(names = "--collection", paramLabel = "NSID", description = "only records of this collection")
  String collection;

  @Option(names = "--json", description = "export the records as atproto JSON: {uri, cid, value} per line")
  boolean json;

  @Option(names = "--max-bytes", defaultValue = "536870912", paramLabel = "BYTES",
      description = "largest repository CAR accepted")
  long maxBytes;

  @Mixin
  Identities.Options identity;

  @Override
  public Integer call() throws Exception {
    if (!Did.isValid(account)) {
      throw new CliException(Atsync.USAGE, "'" + account + "' is not a valid DID");
    }
    Did did = Did.parse(account);
    CachingIdentityResolver keys = identity.keySource();
    Identity id;
    try {
      id = keys.resolve(did);
    } catch (IdentityException e) {
      throw new CliException(Atsync.USAGE, "cannot resolve " + did + ": " + e.getMessage());
    }
    URI source = from != null ? from : id.pds().orElseThrow(() -> new CliException(Atsync.USAGE,
        "the DID document of " + did + " names no PDS; give --from"));
    Map<Cid, byte[]> blocks = new HashMap<>();
    Cid root;
    RelayClient client;
    try {
      client = RelayClient.builder().baseUrl(source.toString()).userAgent(Atsync.Version.userAgent()).build();
    } catch (IllegalArgumentException e) {
      throw new CliException(Atsync.USAGE, "--from: " + e.getMessage());
    }
    try (CarReader car = client.getRepo(did, Optional.empty(),
        new CarReader.Limits(64 * 1024, 2 * 1024 * 1024, maxBytes, 10_000_000))) {
      if (car.roots().size() != 1) {
        return invalid("the CAR has " + car.roots().size() + " roots, not 1");
      }
      root = car.roots().get(0);
      for (Optional<CarBlock> b = car.next(); b.isPresent(); b = car.next()) {
        blocks.put(b.get().cid(), b.get().bytes());
      }
    } catch (XrpcException e) {
      throw new CliException(Atsync.USAGE, "getRepo from " + source + " failed: " + e.getMessage());
    } catch (DataModelException e) {
      return invalid("the CAR from " + source + " is malformed: " + e.getMessage());
    } catch (IOException e) {
      throw new CliException(Atsync.USAGE, "getRepo from " + source + " failed: " + Atsync.describe(e));
    }
    byte[] commitBlock = blocks.get(root);
    if (commitBlock == null) {
      return invalid("the commit block " + root + " is not in the CAR");
    }
    Commit commit;
    try {
      commit = Commit.decode(commitBlock);
    } catch (RuntimeException e) {
      return invalid("the commit " + root + " does not decode: " + e.getMessage());
    }
    if (!commit.did().equals(did)) {
      return invalid("the commit is for " + commit.did() + ", not " + did);
    }
    boolean signed;
    try {
      signed = keys.verifies(did, commit::verify);
    } catch (IdentityException e) {
      throw new CliException(Atsync.USAGE, "no signing key for " + did + ": " + e.getMessage());
    }
    if (!signed) {
      return invalid("the commit's signature does not verify with " + did + "'s current key");
    }
    BlockSource store = BlockSource.of(blocks);
    TreeMap<String, Cid> entries = new TreeMap<>();
    try {
      for (Mst.Entry e : Mst.load(commit.data(), store).entries()) {
        entries.put(e.key(), e.value());
      }
      Cid rebuilt = Mst.build(entries, BlockSource.EMPTY).rootCid();
      if (!rebuilt.equals(commit.data())) {
        return invalid("the MST is not the canonical tree of its keys (its root " + commit.data()
            + ", rebuilt " + rebuilt + ")");
      }
    } catch (MstException | DataModelException e) {
      return invalid("the MST is invalid: " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    String prefix = collection == null ? null : collection + "/";
    long records = 0;
    for (Map.Entry<String, Cid> e : entries.entrySet()) {
      if (prefix != null && !e.getKey().startsWith(prefix)) {
        continue;
      }
      byte[] record = blocks.get(e.getValue());
      if (record == null) {
        return invalid("record " + e.getKey() + " (" + e.getValue() + ") is not in the CAR");
      }
      records++;
      String uri = "at://" + did + "/" + e.getKey();
      if (json) {
        ObjectNode n = InspectCommand.JSON.createObjectNode().put("uri", uri).put("cid", e.getValue().toString());
        try {
          n.set("value", InspectCommand.json(DagCbor.decode(record)));
        } catch (DataModelException ex) {
          return invalid("record " + e.getKey() + " is not valid DAG-CBOR: " + ex.getMessage());
        }
        out.println(n);
      } else {
        out.println(uri + " " + e.getValue());
      }
    }
    spec.commandLine().getErr().println("verified " + did + " rev " + commit.rev() + " (commit " + root
        + ", signed by " + id.signingKey().didKey() + "): " + entries.size() + " records"
        + (prefix == null ? "" : ", " + records + " in " + collection));
    return 0;
  }

  private int invalid(String why) {
    spec.commandLine().getErr().println("invalid: " + why);
    return Atsync.INVALID;
  }
}
