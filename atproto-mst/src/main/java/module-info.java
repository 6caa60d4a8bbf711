/**
 * atproto repositories: the Merkle Search Tree ({@code dev.atsync.mst}), signed commits, record
 * operations and their Sync v1.1 inversion ({@code dev.atsync.repo}), and signing keys
 * ({@code dev.atsync.crypto}).
 */
module dev.atsync.mst {
  requires transitive dev.atsync.cbor;
  requires org.bouncycastle.provider;

  exports dev.atsync.crypto;
  exports dev.atsync.mst;
  exports dev.atsync.repo;
}
