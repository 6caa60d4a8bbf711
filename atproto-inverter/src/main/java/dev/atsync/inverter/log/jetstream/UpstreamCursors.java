package dev.atsync.inverter.log.jetstream;

import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.EventStore.UpstreamPosition;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.OptionalLong;

/**
 * Where the nodes sharing a stream keep each upstream's cursor: a key-value bucket
 * ({@code <stream>_upstreams}) beside the stream, one key per upstream holding the highest
 * upstream seq any node appended. Written after the events it covers, not with them (JetStream has
 * no transaction across a stream and a bucket): a node that dies between the two resumes a little
 * early, and the events it takes again are recognised by their content digests (message ids) and
 * not stored twice. Updates are compare-and-set, so the cursor never moves back when nodes race.
 */
final class UpstreamCursors {
  private static final int MAX_RACES = 20;
  private final KeyValue kv;

  UpstreamCursors(Connection connection, JetStreamSettings settings) throws IOException, JetStreamApiException {
    String bucket = settings.streamName() + "_upstreams";
    KeyValueManagement kvm = connection.keyValueManagement();
    try {
      kvm.getStatus(bucket);
    } catch (JetStreamApiException missing) {
      try {
        kvm.create(KeyValueConfiguration.builder().name(bucket).storageType(StorageType.File)
            .replicas(settings.replicas()).maxHistoryPerKey(1).build());
      } catch (JetStreamApiException createdMeanwhile) {
        kvm.getStatus(bucket); // another node created it first; anything else is a real failure
      }
    }
    this.kv = connection.keyValue(bucket);
  }

  /** Keys allow few characters; an upstream's name (a URL) is stored hex-encoded. */
  private static String key(String upstream) {
    return "u" + HexFormat.of().formatHex(upstream.getBytes(StandardCharsets.UTF_8));
  }

  OptionalLong get(String upstream) {
    try {
      KeyValueEntry e = kv.get(key(upstream));
      return e == null || e.getValue() == null ? OptionalLong.empty()
          : OptionalLong.of(Long.parseLong(new String(e.getValue(), StandardCharsets.US_ASCII)));
    } catch (IOException | JetStreamApiException | NumberFormatException e) {
      throw new EventLogException("reading the cursor of upstream " + upstream + ": " + e.getMessage(), e);
    }
  }

  /** Moves the cursor forward to {@code position}; a cursor already at or past it stays. */
  void advance(UpstreamPosition position) {
    String key = key(position.upstream());
    byte[] value = Long.toString(position.seq()).getBytes(StandardCharsets.US_ASCII);
    try {
      for (int race = 0; race < MAX_RACES; race++) {
        KeyValueEntry e = kv.get(key);
        try {
          if (e == null || e.getValue() == null) {
            kv.create(key, value);
            return;
          }
          long stored = Long.parseLong(new String(e.getValue(), StandardCharsets.US_ASCII));
          if (stored >= position.seq()) {
            return;
          }
          kv.update(key, value, e.getRevision());
          return;
        } catch (JetStreamApiException lostRace) {
          // another node wrote the key between our read and our write: read it again
        }
      }
      throw new EventLogException("the cursor of upstream " + position.upstream() + " kept changing under "
          + MAX_RACES + " attempts to move it");
    } catch (IOException | JetStreamApiException | NumberFormatException e) {
      throw new EventLogException("writing the cursor of upstream " + position.upstream() + ": " + e.getMessage(), e);
    }
  }
}
