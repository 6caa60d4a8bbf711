package dev.atsync.cli;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.StreamError;
import dev.atsync.firehose.subscribe.FirehoseSubscriber;
import dev.atsync.firehose.subscribe.FutureCursorPolicy;
import dev.atsync.firehose.subscribe.SubscriberListener;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * Reads a live {@code subscribeRepos} stream with atproto-firehose's {@link FirehoseSubscriber}
 * (one lane, so frames arrive in stream order; bounded in-flight frames, so a slow consumer
 * pushes back on the server) until {@code --limit} frames, {@code --duration}, or the server
 * closes the stream.
 */
final class LiveStream {
  private static final Logger LOG = LoggerFactory.getLogger(LiveStream.class);
  /** How long the first connection may take before it is a connection error. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

  /** The options every stream-reading command has. */
  static final class Options {
    @Option(names = "--cursor", paramLabel = "SEQ",
        description = "start after this seq (0 = the server's whole backfill window); default: live")
    Long cursor;

    @Option(names = "--limit", paramLabel = "N", description = "stop after N frames")
    Long limit;

    @Option(names = "--duration", paramLabel = "DURATION", converter = Durations.class,
        description = "stop after this long (500ms, 30s, 10m, 72h); default: until --limit or the stream ends")
    Duration duration;

    long limit() {
      if (limit != null && limit < 1) {
        throw new CliException(Atsync.USAGE, "--limit must be at least 1");
      }
      return limit == null ? Long.MAX_VALUE : limit;
    }
  }

  /** Where the frames go; called on one thread, in stream order. */
  interface Sink {
    /** A message frame (events and {@code #info}). */
    void frame(Frame frame) throws Exception;

    /** A frame the subscriber dropped because its seq is not above the last one. */
    void staleSeq(Frame frame, long lastSeq);

    /** An error frame from the server. */
    void streamError(StreamError error);
  }

  private LiveStream() {}

  /**
   * Reads the stream into {@code sink}.
   *
   * @return how many frames went to the sink
   * @throws CliException if no connection could be made
   */
  static long run(URI url, Options options, Sink sink) throws InterruptedException {
    long limit = options.limit();
    CountDownLatch done = new CountDownLatch(1);
    CountDownLatch connected = new CountDownLatch(1);
    // the first connection's outcome: connected, or closed before it was (a CLI does not retry that)
    CountDownLatch firstOutcome = new CountDownLatch(1);
    AtomicReference<String> problem = new AtomicReference<>();
    long[] count = {0};
    Object lock = new Object();
    FirehoseSubscriber.Builder b = FirehoseSubscriber.builder(url).lanes(1).userAgent(Atsync.Version.userAgent())
        .onFutureCursor(FutureCursorPolicy.STOP)
        .listener(new SubscriberListener() {
          @Override
          public void onConnected(long cursor) {
            LOG.info("connected to {}", url);
            connected.countDown();
            firstOutcome.countDown();
          }

          @Override
          public void onDisconnected(int code, String reason) {
            LOG.info("{} closed the stream: {} {}", url, code, reason);
            if (connected.getCount() == 0) {
              done.countDown();
            } else {
              problem.compareAndSet(null, "closed before the stream opened (" + code + (reason.isEmpty() ? ""
                  : " " + reason) + ")");
              firstOutcome.countDown();
            }
          }

          @Override
          public void onStreamError(StreamError error) {
            synchronized (lock) {
              sink.streamError(error);
            }
          }

          @Override
          public void onStaleSeq(Frame frame, long lastSeq) {
            synchronized (lock) {
              sink.staleSeq(frame, lastSeq);
            }
          }

          @Override
          public void onError(String what, Throwable cause) {
            problem.set(what);
            LOG.warn("{}: {}", url, what);
          }
        })
        .handler(frame -> {
          synchronized (lock) {
            if (count[0] >= limit) {
              return;
            }
            count[0]++;
            sink.frame(frame);
            if (count[0] >= limit) {
              done.countDown();
            }
          }
        });
    if (options.cursor != null) {
      if (options.cursor < 0) {
        throw new CliException(Atsync.USAGE, "--cursor must be 0 or more");
      }
      b.cursor(options.cursor);
    }
    try (FirehoseSubscriber sub = b.build()) {
      sub.start();
      firstOutcome.await(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (connected.getCount() > 0) {
        String why = problem.get();
        throw new CliException(Atsync.USAGE, "could not connect to " + url + (why == null ? " within "
            + Durations.format(CONNECT_TIMEOUT) : ": " + why));
      }
      Thread watcher = new Thread(() -> {
        try {
          sub.awaitTermination(Duration.ofDays(365_000));
        } catch (InterruptedException e) {
          return;
        }
        done.countDown();
      }, "atsync-stream-watcher");
      watcher.setDaemon(true);
      watcher.start();
      if (options.duration == null) {
        done.await();
      } else {
        done.await(options.duration.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    synchronized (lock) {
      return count[0];
    }
  }
}
