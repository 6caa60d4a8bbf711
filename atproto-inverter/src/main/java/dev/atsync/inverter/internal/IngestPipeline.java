package dev.atsync.inverter.internal;

import dev.atsync.firehose.EventValidator;
import dev.atsync.firehose.Frame;
import dev.atsync.firehose.FrameLimits;
import dev.atsync.firehose.InvalidFrameException;
import dev.atsync.firehose.StreamEvent;
import dev.atsync.firehose.Violation;
import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.IngestRejectedException;
import dev.atsync.inverter.log.AppendResult;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.StaleRevException;
import dev.atsync.syntax.Tid;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one path every event takes into the log, from HTTP and from the in-process API: decode the
 * frames, check each (structure, lexicon, then the configured {@link EventCheck}), and append the
 * whole batch atomically. Any refusal names the frame and stores nothing.
 */
public final class IngestPipeline {
  private static final Set<String> ACCOUNT_EVENTS = Set.of("#commit", "#sync", "#identity", "#account");

  private final EventLog log;
  private final FrameLimits limits;
  private final int maxFramesPerBatch;
  private final EventCheck check;
  private final LongAdder accepted;
  private final LongAdder duplicates;
  private final Metrics metrics;

  /**
   * @param check extra checks after lexicon validation (the commit verifier)
   */
  public IngestPipeline(EventLog log, FrameLimits limits, int maxFramesPerBatch, EventCheck check, Metrics metrics) {
    this.log = log;
    this.limits = limits;
    this.maxFramesPerBatch = maxFramesPerBatch;
    this.check = check;
    this.metrics = metrics;
    this.accepted = metrics.counter("atsync_inverter_events_ingested_total", "Events appended to the log");
    this.duplicates = metrics.counter("atsync_inverter_events_duplicate_total",
        "Events recognised as retries and answered with their original seq");
  }

  /** Decodes a request body of concatenated frames and ingests them. */
  public List<Long> ingest(byte[] body) {
    if (body.length == 0) {
      throw reject(400, "InvalidFrame", "request body is empty; expected one or more event-stream frames", -1);
    }
    List<Frame> frames;
    try {
      frames = Frame.decodeAll(body, limits, maxFramesPerBatch);
    } catch (InvalidFrameException e) {
      throw rejectFrame(e, e.frameIndex());
    }
    return ingest(frames);
  }

  /** Checks and appends already-decoded frames; the seqs come back in input order. */
  public List<Long> ingest(List<Frame> frames) {
    if (frames.isEmpty()) {
      throw reject(400, "InvalidFrame", "no frames to ingest", -1);
    }
    if (frames.size() > maxFramesPerBatch) {
      throw reject(413, "PayloadTooLarge", frames.size() + " frames exceed the limit of " + maxFramesPerBatch
          + " per request", -1);
    }
    List<LogEvent> events = new ArrayList<>(frames.size());
    for (int i = 0; i < frames.size(); i++) {
      Frame f = frames.get(i);
      if (f.isError()) {
        throw reject(400, "InvalidFrame", "error frames (op -1) cannot be ingested", i);
      }
      String type = f.type().orElseThrow();
      if (!ACCOUNT_EVENTS.contains(type)) {
        throw reject(400, "InvalidFrame", "message type " + type
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
        d.put("field", v.field());
        throw new IngestRejectedException(size ? 413 : 400, size ? "PayloadTooLarge" : "InvalidFrame",
            "frame " + i + ": " + v, d);
      }
      if (f.seq().isEmpty()) {
        throw reject(400, "InvalidFrame", "frame has no integer seq to replace", i);
      }
      check.check(i, f, event);
      Optional<String> rev = f.rev().map(Tid::value).filter(r -> type.equals("#commit") || type.equals("#sync"));
      events.add(new LogEvent(f.did().orElseThrow().value(), rev, type, f.bytes()));
    }
    AppendResult r;
    try {
      r = log.append(events);
    } catch (StaleRevException e) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("did", e.did());
      d.put("rev", e.offeredRev());
      d.put("currentRev", e.currentRev().orElse(null));
      metrics.counter("atsync_inverter_ingest_rejected_total", "Ingest requests refused", "error", "StaleRev")
          .increment();
      throw new IngestRejectedException(409, "StaleRev", e.getMessage(), d, e);
    }
    accepted.add(events.size() - r.duplicates());
    duplicates.add(r.duplicates());
    return r.seqs();
  }

  private IngestRejectedException rejectFrame(InvalidFrameException e, int index) {
    Map<String, Object> d = details(index);
    e.field().ifPresent(f -> d.put("field", f));
    if (e.offset() >= 0) {
      d.put("offset", e.offset());
    }
    boolean size = e.isOverLimit();
    String msg = (index >= 0 && e.frameIndex() < 0 ? "frame " + index + ": " : "") + e.getMessage();
    return count(new IngestRejectedException(size ? 413 : 400, size ? "PayloadTooLarge" : "InvalidFrame", msg, d, e));
  }

  private IngestRejectedException reject(int status, String error, String message, int index) {
    return count(new IngestRejectedException(status, error, (index >= 0 ? "frame " + index + ": " : "") + message,
        details(index)));
  }

  private IngestRejectedException count(IngestRejectedException e) {
    metrics.counter("atsync_inverter_ingest_rejected_total", "Ingest requests refused", "error", e.error())
        .increment();
    return e;
  }

  private static Map<String, Object> details(int index) {
    Map<String, Object> d = new LinkedHashMap<>();
    if (index >= 0) {
      d.put("frame", index);
    }
    return d;
  }
}
