package dev.atsync.repo;

import dev.atsync.cbor.CborException;
import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.CborWriter;
import dev.atsync.cid.Cid;
import dev.atsync.crypto.PrivateKey;
import dev.atsync.crypto.PublicKey;
import dev.atsync.mst.MstException;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.InvalidSyntaxException;
import dev.atsync.syntax.Tid;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A signed repository commit (version 3): the account, the MST root, the rev, the deprecated
 * {@code prev} (kept as null), and a 64-byte signature over the canonical encoding of the same
 * object without {@code sig}.
 *
 * @param did the account
 * @param version always 3
 * @param data the MST root
 * @param rev the commit's rev (a TID)
 * @param prev the previous commit, if linked (v3 commits normally leave it null)
 * @param sig the signature (copied in and out)
 */
public record Commit(Did did, int version, Cid data, Tid rev, Optional<Cid> prev, byte[] sig) {
  /** Validates and copies the signature. */
  public Commit {
    Objects.requireNonNull(did, "did");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(rev, "rev");
    Objects.requireNonNull(prev, "prev");
    if (version != 3) {
      throw new IllegalArgumentException("only version 3 commits are supported, got " + version);
    }
    sig = sig.clone();
  }

  /** An unsigned commit, to {@link #sign}. */
  public static Commit unsigned(Did did, Cid data, Tid rev) {
    return new Commit(did, 3, data, rev, Optional.empty(), new byte[0]);
  }

  /**
   * The signature.
   *
   * @return a copy of the 64-byte signature (empty for an unsigned commit)
   */
  @Override
  public byte[] sig() {
    return sig.clone();
  }

  /** This commit signed with {@code key}. */
  public Commit sign(PrivateKey key) {
    return new Commit(did, version, data, rev, prev, key.sign(unsignedBytes()));
  }

  /** Whether the signature verifies with {@code key} (false for high-S, DER or malformed signatures). */
  public boolean verify(PublicKey key) {
    return sig.length == 64 && key.verify(unsignedBytes(), sig);
  }

  /** The canonical encoding without {@code sig}: the signed bytes. */
  public byte[] unsignedBytes() {
    return encode(false);
  }

  /** The canonical encoding of the whole commit: the commit block. */
  public byte[] encode() {
    return encode(true);
  }

  /** The CID of the commit block. */
  public Cid cid() {
    return Cid.ofDagCbor(encode());
  }

  private byte[] encode(boolean withSig) {
    CborWriter w = new CborWriter(200);
    w.writeMapHeader(withSig ? 6 : 5);
    w.writeKey("did");
    w.writeText(did.value());
    w.writeKey("rev");
    w.writeText(rev.value());
    if (withSig) {
      w.writeKey("sig");
      w.writeBytes(sig);
    }
    w.writeKey("data");
    w.writeLink(data);
    w.writeKey("prev");
    if (prev.isPresent()) {
      w.writeLink(prev.get());
    } else {
      w.writeNull();
    }
    w.writeKey("version");
    w.writeLong(version);
    return w.toByteArray();
  }

  /**
   * Decodes a commit block strictly: canonical DAG-CBOR with exactly the fields did, rev, sig,
   * data, prev (null or link) and version 3.
   *
   * @throws MstException if the block is not such a commit
   */
  public static Commit decode(byte[] block) {
    try {
      CborReader r = new CborReader(block, 0, block.length, 4);
      int n = r.readMapHeader();
      String did = null;
      String rev = null;
      byte[] sig = null;
      Cid data = null;
      Optional<Cid> prev = null;
      Long version = null;
      for (int i = 0; i < n; i++) {
        String k = r.readKey();
        switch (k) {
          case "did":
            did = r.readText();
            break;
          case "rev":
            rev = r.readText();
            break;
          case "sig":
            sig = r.readBytes();
            break;
          case "data":
            data = r.readLink();
            break;
          case "prev":
            prev = r.tryReadNull() ? Optional.empty() : Optional.of(r.readLink());
            break;
          case "version":
            version = r.readLong();
            break;
          default:
            throw new MstException("commit has unknown field '" + k + "'", null);
        }
      }
      r.requireEnd();
      if (did == null || rev == null || sig == null || data == null || prev == null || version == null) {
        throw new MstException("commit lacks a field (needs did, rev, sig, data, prev, version)", null);
      }
      if (version != 3) {
        throw new MstException("commit version " + version + " is not supported (only 3)", null);
      }
      return new Commit(Did.parse(did), 3, data, Tid.parse(rev), prev, sig);
    } catch (InvalidSyntaxException e) {
      throw new MstException("commit " + e.kind() + " is malformed: " + e.detail(), null, e);
    } catch (CborException e) {
      throw new MstException("commit is not valid DAG-CBOR: " + e.detail(), null, e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Commit c && did.equals(c.did) && version == c.version && data.equals(c.data)
        && rev.equals(c.rev) && prev.equals(c.prev) && Arrays.equals(sig, c.sig);
  }

  @Override
  public int hashCode() {
    return Objects.hash(did, data, rev);
  }

  @Override
  public String toString() {
    return "Commit[" + did + " rev " + rev + " data " + data + "]";
  }
}
