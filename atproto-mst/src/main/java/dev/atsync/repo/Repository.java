package dev.atsync.repo;

import dev.atsync.car.CarWriter;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.mst.Mst;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Nsid;
import dev.atsync.syntax.Tid;
import dev.atsync.syntax.TidClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A repository for producers: apply a batch of writes and get the new signed commit with
 * everything its {@code #commit} message needs ({@link CommitResult}). Blocks live in a
 * {@link BlockStore}; the tree stays in memory with structural sharing between commits.
 *
 * <pre>{@code
 * Repository repo = Repository.create(Did.parse("did:plc:..."), PrivateKey.generate(Curve.SECP256K1), BlockStore.inMemory());
 * CommitResult c = repo.apply(List.of(Write.create(RepoPath.parse("app.bsky.feed.post/" + tid), post)));
 * byte[] car = c.proofCar();   // the #commit blocks
 * }</pre>
 *
 * <p>Not thread-safe: serialise writes per repository, as a PDS does.
 */
public final class Repository {
  private final Did did;
  private final PrivateKey key;
  private final BlockStore store;
  private final TidClock clock;
  private Mst tree;
  private Commit head;
  private Cid headCid;

  private Repository(Did did, PrivateKey key, BlockStore store, TidClock clock) {
    this.did = java.util.Objects.requireNonNull(did, "did");
    this.key = key;
    this.store = store;
    this.clock = clock;
    this.tree = Mst.empty(store);
  }

  /** A new, empty repository (no commit yet: the first {@link #apply} creates it). */
  public static Repository create(Did did, PrivateKey key, BlockStore store) {
    return new Repository(did, key, store, new TidClock());
  }

  /** As {@link #create(Did, PrivateKey, BlockStore)} with a given rev clock. */
  public static Repository create(Did did, PrivateKey key, BlockStore store, TidClock clock) {
    return new Repository(did, key, store, clock);
  }

  /** Opens an existing repository whose head commit is in {@code store}. */
  public static Repository open(Cid head, PrivateKey key, BlockStore store) {
    Commit c = Commit.decode(store.get(head).orElseThrow(() -> new IllegalArgumentException("no block " + head)));
    Repository r = new Repository(c.did(), key, store, new TidClock());
    r.head = c;
    r.headCid = head;
    r.tree = Mst.load(c.data(), store);
    r.clock.advancePast(c.rev());
    return r;
  }

  /** The account. */
  public Did did() {
    return did;
  }

  /** The current commit, if any. */
  public Optional<Commit> head() {
    return Optional.ofNullable(head);
  }

  /** The current commit's CID, if any. */
  public Optional<Cid> headCid() {
    return Optional.ofNullable(headCid);
  }

  /** The current tree. */
  public Mst tree() {
    return tree;
  }

  /** The CID of the record at {@code path}. */
  public Optional<Cid> recordCid(RepoPath path) {
    return tree.get(path.toString());
  }

  /**
   * The records of one collection, in record-key order, as (path, record CID) entries; only the
   * subtrees holding that collection are visited.
   */
  public Iterable<Mst.Entry> records(Nsid collection) {
    return tree.entries(collection + "/");
  }

  /** The record at {@code path}, as encoded DAG-CBOR. */
  public Optional<byte[]> record(RepoPath path) {
    return recordCid(path).flatMap(store::get);
  }

  /**
   * Applies writes as one signed commit.
   *
   * @throws IllegalArgumentException if a create's path exists, an update's or delete's does not,
   *     or a path repeats (nothing is changed then)
   */
  public CommitResult apply(List<Write> writes) {
    Cid prevData = tree.rootCid();
    Mst next = tree;
    List<Operation> ops = new ArrayList<>(writes.size());
    Map<Cid, byte[]> records = new LinkedHashMap<>();
    Set<String> paths = new HashSet<>();
    for (Write w : writes) {
      String p = w.path().toString();
      if (!paths.add(p)) {
        throw new IllegalArgumentException(p + " is written twice in one commit");
      }
      Optional<Cid> current = next.get(p);
      switch (w.action()) {
        case CREATE:
        case UPDATE: {
          if (w.action() == Operation.Action.CREATE && current.isPresent()) {
            throw new IllegalArgumentException("create of " + p + ": a record is already there");
          }
          if (w.action() == Operation.Action.UPDATE && current.isEmpty()) {
            throw new IllegalArgumentException("update of " + p + ": no record there");
          }
          byte[] block = DagCbor.encode(w.record());
          Cid cid = Cid.ofDagCbor(block);
          if (current.equals(Optional.of(cid))) {
            throw new IllegalArgumentException("update of " + p + " does not change the record");
          }
          records.put(cid, block);
          next = next.put(p, cid);
          ops.add(new Operation(w.path(), Optional.of(cid), current));
          break;
        }
        default: {
          if (current.isEmpty()) {
            throw new IllegalArgumentException("delete of " + p + ": no record there");
          }
          next = next.delete(p);
          ops.add(Operation.delete(w.path(), current.get()));
        }
      }
    }
    if (head != null) {
      clock.advancePast(head.rev());
    }
    Tid rev = clock.next();
    Commit commit = Commit.unsigned(did, next.rootCid(), rev).sign(key);
    byte[] commitBlock = commit.encode();
    Cid commitCid = Cid.ofDagCbor(commitBlock);
    Map<Cid, byte[]> newNodes = next.newBlocks(store::has);
    Map<Cid, byte[]> proof = new LinkedHashMap<>();
    proof.put(commitCid, commitBlock);
    proof.putAll(newNodes);
    proof.putAll(next.proofNodes(ops.stream().map(o -> o.path().toString()).toList()));
    proof.putAll(records);
    Map<Cid, byte[]> all = new LinkedHashMap<>(newNodes);
    all.putAll(records);
    all.put(commitCid, commitBlock);
    store.putAll(all);
    Optional<Tid> since = head == null ? Optional.empty() : Optional.of(head.rev());
    tree = next;
    head = commit;
    headCid = commitCid;
    return new CommitResult(commit, commitCid, since, prevData, ops, CarWriter.toBytes(commitCid, proof));
  }

  /** The whole repository as a CAR v1 rooted at the head commit: commit, every MST node, every record. */
  public void exportCar(OutputStream out) throws IOException {
    if (headCid == null) {
      throw new IllegalStateException("repository has no commit yet");
    }
    try (CarWriter w = new CarWriter(out, List.of(headCid))) {
      w.write(headCid, store.get(headCid).orElseThrow());
      for (Map.Entry<Cid, byte[]> n : tree.allNodes().entrySet()) {
        w.write(n.getKey(), n.getValue());
      }
      for (Mst.Entry e : tree.entries()) {
        w.write(e.value(), store.get(e.value()).orElseThrow());
      }
    }
  }

  /** {@link #exportCar(OutputStream)} into memory. */
  public byte[] exportCar() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      exportCar(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
