package dev.atsync.inverter.log.jetstream;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PurgeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the stream exists, shaped as the settings say, with a leader, and starting at the
 * seq floor: created by the first node to get there, checked by the others. Run once per node
 * at start.
 */
final class StreamProvisioner {
  private static final Logger LOG = LoggerFactory.getLogger(StreamProvisioner.class);
  static final int ERR_STREAM_NOT_FOUND = 10059;

  private final JetStreamManagement jsm;
  private final JetStreamSettings settings;

  StreamProvisioner(JetStreamManagement jsm, JetStreamSettings settings) {
    this.jsm = jsm;
    this.settings = settings;
  }

  /**
   * Creates or checks the stream, retrying while the cluster has no JetStream leader (a node that
   * starts during a NATS election would otherwise fail): up to six attempts with doubling pauses.
   */
  StreamInfo ensureWithRetry() throws IOException, JetStreamApiException {
    long pause = 250;
    for (int attempt = 1; ; attempt++) {
      try {
        return ensure();
      } catch (IOException e) {
        if (attempt >= 6) {
          throw e;
        }
        LOG.info("JetStream not ready ({}); retrying stream setup in {} ms", e.getMessage(), pause);
        try {
          Thread.sleep(pause);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for JetStream", ie);
        }
        pause *= 2;
      }
    }
  }

  private StreamInfo ensure() throws IOException, JetStreamApiException {
    StreamConfiguration.Builder b = StreamConfiguration.builder()
        .name(settings.streamName())
        .subjects(settings.subjectPrefix() + ".>")
        .storageType(StorageType.File)
        .replicas(settings.replicas())
        .duplicateWindow(settings.duplicateWindow())
        .allowDirect(true);
    settings.maxAge().ifPresent(b::maxAge);
    settings.maxEvents().ifPresent(b::maxMessages);
    StreamInfo info;
    try {
      info = jsm.getStreamInfo(settings.streamName());
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != ERR_STREAM_NOT_FOUND) {
        throw e;
      }
      try {
        info = jsm.addStream(b.build());
      } catch (JetStreamApiException createFailed) {
        info = createdByAnotherNode(createFailed);
      }
    }
    info = awaitLeader(info);
    StreamState s = info.getStreamState();
    if (s.getLastSequence() + 1 < settings.seqFloor()) {
      if (s.getMsgCount() != 0) {
        throw new IllegalStateException("stream " + settings.streamName() + " holds events below the seq floor "
            + settings.seqFloor() + " (last seq " + s.getLastSequence() + ")");
      }
      // On an empty stream, purging up to a sequence makes that sequence the next one.
      jsm.purgeStream(settings.streamName(), PurgeOptions.builder().sequence(settings.seqFloor()).build());
      info = jsm.getStreamInfo(settings.streamName());
      if (info.getStreamState().getLastSequence() + 1 < settings.seqFloor()) {
        throw new IllegalStateException("the server did not move stream " + settings.streamName()
            + " to the seq floor " + settings.seqFloor());
      }
    }
    return info;
  }

  /**
   * After a failed create: either another node created the stream first (use it), or the
   * cluster could not create it yet (no metadata leader during start-up), which is retried.
   */
  private StreamInfo createdByAnotherNode(JetStreamApiException createFailed)
      throws IOException, JetStreamApiException {
    try {
      return jsm.getStreamInfo(settings.streamName());
    } catch (JetStreamApiException notThere) {
      if (notThere.getApiErrorCode() == ERR_STREAM_NOT_FOUND) {
        throw new IOException("creating stream " + settings.streamName() + " failed: " + createFailed.getMessage(),
            createFailed);
      }
      throw notThere;
    }
  }

  /** A new replicated stream elects a leader first; until then every publish would time out. */
  private StreamInfo awaitLeader(StreamInfo info) throws IOException, JetStreamApiException {
    long deadline = System.nanoTime() + settings.connectTimeout().toNanos() * 2;
    while (settings.replicas() > 1 && (info.getClusterInfo() == null || info.getClusterInfo().getLeader() == null)) {
      if (System.nanoTime() > deadline) {
        throw new IOException("stream " + settings.streamName() + " has no leader");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for a stream leader", e);
      }
      info = jsm.getStreamInfo(settings.streamName());
    }
    return info;
  }
}
