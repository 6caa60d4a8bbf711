package dev.atsync.firehose.verify;

import dev.atsync.cbor.Value;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.firehose.CommitEvent;
import dev.atsync.repo.BlockStore;
import dev.atsync.repo.CommitResult;
import dev.atsync.repo.RepoPath;
import dev.atsync.repo.Repository;
import dev.atsync.repo.Write;
import dev.atsync.syntax.Did;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Valid generated streams: a real repository producing Sync v1.1 commits. */
final class Streams {
  static final Did DID = Did.parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
  static final PrivateKey KEY = PrivateKey.generate(Curve.SECP256K1);

  private Streams() {}

  static Value.Map post(String text) {
    return new Value.Map(Map.of("$type", Value.of("app.bsky.feed.post"), "text", Value.of(text),
        "createdAt", Value.of("2026-11-23T07:00:00.000Z")));
  }

  /** A repository of {@code size} records, then {@code commits} commits of creates, updates and deletes. */
  static List<CommitEvent> commits(Repository repo, int size, int commits) {
    List<CommitEvent> out = new ArrayList<>();
    long seq = 1;
    // the population arrives in commits of at most 100 ops (the lexicon allows 200)
    for (int from = 0; from < size; from += 100) {
      List<Write> initial = new ArrayList<>();
      for (int i = from; i < Math.min(size, from + 100); i++) {
        initial.add(Write.create(RepoPath.parse("app.bsky.feed.post/" + "init" + i), post("p" + i)));
      }
      out.add(CommitEvent.of(repo.apply(initial), seq++, Instant.now()));
    }
    for (int c = 0; c < commits; c++) {
      List<Write> w = new ArrayList<>();
      w.add(Write.create(RepoPath.parse("app.bsky.feed.post/" + "c" + c), post("new " + c)));
      if (size > c) {
        w.add(Write.update(RepoPath.parse("app.bsky.feed.post/" + "init" + c), post("edited " + c)));
      }
      if (size > c + 100) {
        w.add(Write.delete(RepoPath.parse("app.bsky.feed.post/" + "init" + (c + 100))));
      }
      CommitResult r = repo.apply(w);
      out.add(CommitEvent.of(r, seq++, Instant.now()));
    }
    return out;
  }

  static Repository repo() {
    return Repository.create(DID, KEY, BlockStore.inMemory());
  }
}
