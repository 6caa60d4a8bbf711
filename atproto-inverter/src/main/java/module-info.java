/**
 * The embeddable firehose inverter: ingest (posted, in-process or pulled from upstreams), the
 * event log over a store (in memory, SQLite, NATS JetStream), and the {@code subscribeRepos}
 * fan-out. The JetStream client ({@code io.nats.jnats}) is optional: needed only by
 * {@code dev.atsync.inverter.log.jetstream}. The SQLite JDBC driver is found at run time.
 */
module dev.atsync.inverter {
  requires transitive dev.atsync.firehose;
  requires java.sql;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.codec.http;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;
  requires org.slf4j;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.databind;
  requires com.github.benmanes.caffeine;
  // the meter registry is in the builder's signature
  requires transitive micrometer.core;
  requires micrometer.registry.prometheus;
  requires io.prometheus.metrics.model;
  requires static io.nats.jnats;

  exports dev.atsync.inverter;
  exports dev.atsync.inverter.log;
  exports dev.atsync.inverter.log.jetstream;
  exports dev.atsync.inverter.log.sqlite;
}
