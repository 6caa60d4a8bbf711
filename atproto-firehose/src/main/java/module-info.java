/**
 * The {@code com.atproto.sync.subscribeRepos} event stream: frames and typed messages
 * ({@code dev.atsync.firehose}), the Sync v1.1 commit verifier ({@code dev.atsync.firehose.verify}),
 * DID resolution and signing keys ({@code dev.atsync.firehose.identity}) and a resilient WebSocket
 * subscriber ({@code dev.atsync.firehose.subscribe}).
 */
module dev.atsync.firehose {
  requires transitive dev.atsync.mst;
  requires com.fasterxml.jackson.databind;
  requires com.github.benmanes.caffeine;
  requires java.net.http;
  requires org.java_websocket;
  requires org.slf4j;

  exports dev.atsync.firehose;
  exports dev.atsync.firehose.identity;
  exports dev.atsync.firehose.internal to dev.atsync.relay;
  exports dev.atsync.firehose.ingest;
  exports dev.atsync.firehose.subscribe;
  exports dev.atsync.firehose.verify;
}
