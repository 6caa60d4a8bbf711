package dev.atsync.inverter.internal;

import dev.atsync.firehose.CommitEvent;
import dev.atsync.firehose.EventValidator;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.FrameLimits;
import dev.atsync.firehose.InvalidFrameException;
import dev.atsync.firehose.StreamEvent;
import dev.atsync.firehose.Violation;
import dev.atsync.firehose.ingest.IngestError;
import dev.atsync.firehose.ingest.IngestException;
import dev.atsync.firehose.ingest.IngestProtocol;
import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.log.AppendResult;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.StaleRevException;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path every event takes into the log, posted over HTTP, published in-process, or taken
 * from an upstream's firehose: decode the frames, check each (structure, lexicon, then the
 * configured {@link EventCheck}), hold a commit whose predecessor is still in flight from another
 * PDS instance ({@link ChainOrder}), and append the whole batch atomically. Any refusal names the
 * frame and stores nothing.
 */
public final class IngestPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(IngestPipeline.class);
  private static final Set<String> ACCOUNT_EVENTS = Set.of("#commit", "#sync", "#identity", "#account");

  private final EventLog log;
  private final FrameLimits limits;
  private final int maxFramesPerBatch;
  private final EventCheck check;
  private final LongAdder accepted;
  private final LongAdder duplicates;
  private final Metrics metrics;
  private final ChainOrder chainOrder;
  private final io.micrometer.core.instrument.Timer toDurable;
  private final io.micrometer.core.instrument.Timer storeCommit;

  /**
   * @param check extra checks after lexicon validation (the commit verifier)
   * @param reorderWait how long a commit waits for its predecessor from another PDS instance
   */
  public IngestPipeline(EventLog log, FrameLimits limits, int maxFramesPerBatch, EventCheck check,
      Duration reorderWait, Metrics metrics) {
    this.log = log;
    this.chainOrder = new ChainOrder(log, reorderWait, metrics);
    this.limits = limits;
    this.maxFramesPerBatch = maxFramesPerBatch;
    this.check = check;
    this.metrics = metrics;
    this.accepted = metrics.counter("atsync_inverter_events_ingested_total", "Events appended to the log");
    this.duplicates = metrics.counter("atsync_inverter_events_duplicate_total",
        "Events recognised as retries and answered with their original seq");
    this.toDurable = metrics.timer("atsync_inverter_ingest_to_durable",
        "From a batch received (a post's whole body, a publish call, an upstream frame) to its events durable");
    this.storeCommit = metrics.timer("atsync_inverter_store_commit",
        "One log append: the rev rule, the store's append and its commit (fsync on SQLite, the ack on JetStream)");
  }

  /** Decodes a request body of concatenated frames and ingests them. */
  public List<Long> ingest(byte[] body) {
    return ingest(decode(body));
  }

  /**
   * The frames of a request body (each a copy: the caller may drop the body before ingesting
   * them, so a large body is not held twice).
   */
  public List<Frame> decode(byte[] body) {
    if (body.length == 0) {
      throw reject(IngestError.INVALID_FRAME, "request body is empty; expected one or more event-stream frames", -1);
    }
    try {
      return Frame.decodeAll(body, limits, maxFramesPerBatch);
    } catch (InvalidFrameException e) {
      throw rejectFrame(e, e.frameIndex());
    }
  }

  /** Checks and appends already-decoded frames; the seqs come back in input order. */
  public List<Long> ingest(List<Frame> frames) {
    return ingest(frames, System.nanoTime());
  }

  /**
   * As {@link #ingest(List)}, for a batch received at {@code receivedNanos} ({@link System#nanoTime()}):
   * the ingest-to-durable time is measured from then.
   */
  public List<Long> ingest(List<Frame> frames, long receivedNanos) {
    if (frames.isEmpty()) {
      throw reject(IngestError.INVALID_FRAME, "no frames to ingest", -1);
    }
    if (frames.size() > maxFramesPerBatch) {
      throw reject(IngestError.PAYLOAD_TOO_LARGE, frames.size() + " frames exceed the limit of " + maxFramesPerBatch
          + " per request", -1);
    }
    List<Long> seqs = append(checked(frames), Optional.empty()).seqs();
    toDurable.record(System.nanoTime() - receivedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    return seqs;
  }

  /**
   * Checks and appends one frame taken from an upstream (pull mode), moving the upstream's cursor
   * with it: the same checks as a post. A refused frame (invalid, or stale) is skipped: the
   * cursor moves past it, and the refusal is thrown for the caller to count.
   *
   * @return the frame's seq in the log, and whether it was already stored
   * @throws IngestException if the frame is refused ({@link IngestError#UNAVAILABLE}: not stored,
   *     cursor unmoved, take it again)
   */
  public AppendResult ingest(Frame frame, EventStore.UpstreamPosition position) {
    long received = System.nanoTime();
    List<LogEvent> events;
    try {
      events = checked(List.of(frame));
    } catch (IngestException refused) {
      log.skipUpstream(position);
      throw refused;
    }
    try {
      AppendResult r = append(events, Optional.of(position));
      toDurable.record(System.nanoTime() - received, java.util.concurrent.TimeUnit.NANOSECONDS);
      return r;
    } catch (IngestException e) {
      if (e.error() == IngestError.STALE_REV) {
        log.skipUpstream(position);
      }
      throw e;
    }
  }

  /**
   * Checks and appends frames taken in order from one upstream in one append, moving the
   * upstream's cursor to {@code position} (its last frame's seq) with them: all or nothing, like
   * a post. The caller falls back to {@link #ingest(Frame, EventStore.UpstreamPosition)} frame by
   * frame when the batch is refused for one of its frames.
   *
   * @return the frames' seqs in the log, and how many were already stored
   * @throws IngestException if any frame is refused, or the log cannot store (nothing stored, the
   *     cursor unmoved)
   */
  public AppendResult ingest(List<Frame> frames, EventStore.UpstreamPosition position) {
    return append(checked(frames), Optional.of(position));
  }

  /** The frames, checked (structure, lexicon, the configured check), as log events. */
  private List<LogEvent> checked(List<Frame> frames) {
    List<LogEvent> events = new ArrayList<>(frames.size());
    Map<Did, Tid> firstSince = new LinkedHashMap<>();
    for (int i = 0; i < frames.size(); i++) {
      Frame f = frames.get(i);
      if (f.isError()) {
        throw reject(IngestError.INVALID_FRAME, "error frames (op -1) cannot be ingested", i);
      }
      String type = f.type().orElseThrow();
      if (!ACCOUNT_EVENTS.contains(type)) {
        throw reject(IngestError.INVALID_FRAME, "message type " + type
            + " cannot be ingested (expected #commit, #sync, #identity or #account)", i);
      }
      StreamEvent event;
      try {
        event = f.event();
      } catch (InvalidFrameException e) {
        throw rejectFrame(e, i);
      }
      List<Violation> violations = EventValidator.violations(event, limits);
      if (!violations.isEmpty()) {
        Violation v = violations.get(0);
        boolean size = v.kind() == Violation.Kind.LIMIT;
        Map<String, Object> d = details(i);
        d.put(IngestProtocol.FIELD, v.field());
        throw count(new IngestException(size ? IngestError.PAYLOAD_TOO_LARGE : IngestError.INVALID_FRAME,
            "frame " + i + ": " + v, d));
      }
      if (f.seq().isEmpty()) {
        throw reject(IngestError.INVALID_FRAME, "frame has no integer seq to replace", i);
      }
      check.check(i, f, event);
      Did did = f.did().orElseThrow();
      Optional<Tid> rev = f.rev().filter(r -> type.equals("#commit") || type.equals("#sync"));
      if (event instanceof CommitEvent c && c.since().isPresent() && !firstSince.containsKey(did)) {
        firstSince.put(did, c.since().get());
      } else if (rev.isPresent()) {
        firstSince.putIfAbsent(did, null); // a later commit of this account chains to this event
      }
      // stored with seq 0: the log assigns the seq, and the same event taken with another seq
      // (from a second upstream, or a PDS whose counter restarted) has the same bytes and digest
      events.add(new LogEvent(did, rev, type, f.withSeq(0).bytes()));
    }
    firstSince.values().removeIf(java.util.Objects::isNull);
    chainOrder.awaitPredecessors(firstSince);
    return events;
  }

  private AppendResult append(List<LogEvent> events, Optional<EventStore.UpstreamPosition> position) {
    AppendResult r;
    try {
      long start = System.nanoTime();
      r = position.isPresent() ? log.append(events, position.get()) : log.append(events);
      storeCommit.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (StaleRevException e) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put(IngestProtocol.DID, e.did().toString());
      d.put(IngestProtocol.REV, e.offeredRev().toString());
      d.put(IngestProtocol.CURRENT_REV, e.currentRev().toString());
      throw count(new IngestException(IngestError.STALE_REV, e.getMessage(), d, e));
    } catch (RuntimeException e) {
      // the log could not store the batch, and stored none of it: the poster retries. The store
      // logs its own state changes once; a line per refused request would flood the log
      LOG.debug("ingest of {} events failed, answered Unavailable: {}", events.size(), e.toString());
      throw count(new IngestException(IngestError.UNAVAILABLE, "events could not be stored; retry", Map.of(), e));
    }
    accepted.add(events.size() - r.duplicates());
    duplicates.add(r.duplicates());
    return r;
  }

  private IngestException rejectFrame(InvalidFrameException e, int index) {
    Map<String, Object> d = details(index);
    e.field().ifPresent(f -> d.put(IngestProtocol.FIELD, f));
    if (e.offset() >= 0) {
      d.put(IngestProtocol.OFFSET, e.offset());
    }
    boolean size = e.isOverLimit();
    String msg = (index >= 0 && e.frameIndex() < 0 ? "frame " + index + ": " : "") + e.getMessage();
    return count(new IngestException(size ? IngestError.PAYLOAD_TOO_LARGE : IngestError.INVALID_FRAME, msg, d, e));
  }

  private IngestException reject(IngestError error, String message, int index) {
    return count(new IngestException(error, (index >= 0 ? "frame " + index + ": " : "") + message, details(index)));
  }

  private IngestException count(IngestException e) {
    metrics.counter("atsync_inverter_ingest_rejected_total", "Ingest requests refused", "error", e.errorName())
        .increment();
    return e;
  }

  /** Every refusal of the in-process API and the HTTP listener is counted the same way. */
  public void countRefusal(IngestError error) {
    metrics.counter("atsync_inverter_ingest_rejected_total", "Ingest requests refused", "error", error.errorName())
        .increment();
  }

  private static Map<String, Object> details(int index) {
    Map<String, Object> d = new LinkedHashMap<>();
    if (index >= 0) {
      d.put(IngestProtocol.FRAME, index);
    }
    return d;
  }
}
