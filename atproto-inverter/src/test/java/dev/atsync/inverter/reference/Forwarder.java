package dev.atsync.inverter.reference;

import dev.atsync.firehose.Frame;
import dev.atsync.firehose.subscribe.FirehoseSubscriber;
import dev.atsync.firehose.subscribe.SubscriberListener;
import dev.atsync.relay.ingest.InverterClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a PDS operator without a patched PDS would run: follows a PDS's own firehose (the
 * library's subscriber, one lane so the stream order is kept) and posts every frame to the
 * inverter's {@code POST /events} with the library's {@link InverterClient}, either one frame per
 * request or queued so the client batches whatever is waiting. With several inverter nodes the
 * frames go round-robin, as a load balancer would send them.
 */
final class Forwarder implements AutoCloseable {
  /** How frames are posted. */
  enum Mode {
    /** One frame per POST, each waited for. */
    SINGLE,
    /** Queued; the client posts whatever is waiting as one batch. */
    BATCHED
  }

  private final FirehoseSubscriber subscriber;
  private final List<InverterClient> clients = new ArrayList<>();
  private final List<CompletableFuture<Long>> pending = new CopyOnWriteArrayList<>();
  final List<Long> seqs = new CopyOnWriteArrayList<>();
  final List<String> failures = new CopyOnWriteArrayList<>();
  private final Mode mode;
  private long next;

  Forwarder(URI pdsFirehose, List<String> ingestUrls, String token, Mode mode) {
    this.mode = mode;
    for (String url : ingestUrls) {
      clients.add(InverterClient.builder().baseUrl(url).token(token).requestTimeout(Duration.ofSeconds(30)).build());
    }
    this.subscriber = FirehoseSubscriber.builder(pdsFirehose)
        .cursor(0)
        .lanes(1)
        .handler(this::forward)
        .listener(new SubscriberListener() {
          @Override
          public void onError(String what, Throwable cause) {
            failures.add(what);
          }
        })
        .build();
    subscriber.start();
  }

  private void forward(Frame frame) {
    InverterClient client = clients.get((int) (next++ % clients.size()));
    if (mode == Mode.SINGLE) {
      seqs.addAll(client.postBatch(List.of(frame.bytes())));
    } else {
      pending.add(client.publish(frame.bytes()).whenComplete((seq, err) -> {
        if (err != null) {
          failures.add("post of seq " + frame.seq().orElse(-1) + ": " + err);
        }
      }));
    }
  }

  /** The PDS seq up to which every frame has been handed to a client. */
  long forwardedSeq() {
    return subscriber.processedSeq();
  }

  /** Waits until the PDS's frames up to {@code pdsSeq} are posted and answered; returns the inverter seqs. */
  List<Long> awaitForwarded(long pdsSeq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (forwardedSeq() < pdsSeq) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("forwarded up to PDS seq " + forwardedSeq() + ", not " + pdsSeq + "; failures "
            + failures);
      }
      Thread.sleep(10);
    }
    List<Long> out = new ArrayList<>(seqs);
    for (CompletableFuture<Long> f : pending) {
      out.add(f.join());
    }
    return out;
  }

  @Override
  public void close() {
    subscriber.close();
    for (InverterClient c : clients) {
      c.close();
    }
  }
}
