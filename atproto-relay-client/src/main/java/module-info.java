/**
 * Clients a PDS uses towards relays and the inverter: relay XRPC queries and requestCrawl with
 * retries ({@code dev.atsync.relay}), the crawl keeper ({@code dev.atsync.relay.crawl}) and the
 * inverter ingest client ({@code dev.atsync.relay.ingest}).
 */
module dev.atsync.relay {
  requires transitive dev.atsync.cbor;
  // the push-ingest protocol, whose IngestException InverterClient throws
  requires transitive dev.atsync.firehose;
  requires transitive java.net.http;
  requires com.fasterxml.jackson.databind;
  // InverterClient's transport (blocking exchanges on the sending thread)
  requires org.apache.httpcomponents.client5.httpclient5;
  requires org.apache.httpcomponents.core5.httpcore5;
  requires org.slf4j;

  exports dev.atsync.relay;
  exports dev.atsync.relay.crawl;
  exports dev.atsync.relay.ingest;
}
