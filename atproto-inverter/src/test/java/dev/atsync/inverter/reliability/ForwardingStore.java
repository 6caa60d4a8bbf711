package dev.atsync.inverter.reliability;

import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.FrameDigest;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.syntax.Did;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/** An {@link EventStore} that forwards every call; tests override the calls they break. */
public class ForwardingStore implements EventStore {
  protected final EventStore delegate;

  public ForwardingStore(EventStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public Outcome append(List<Entry> entries, Map<Did, Long> expectedHeads, Optional<UpstreamPosition> position) {
    return delegate.append(entries, expectedHeads, position);
  }

  @Override
  public OptionalLong upstreamCursor(String upstream) {
    return delegate.upstreamCursor(upstream);
  }

  @Override
  public void saveUpstreamCursor(UpstreamPosition position) {
    delegate.saveUpstreamCursor(position);
  }

  @Override
  public Optional<Head> head(Did did) {
    return delegate.head(did);
  }

  @Override
  public OptionalLong findStored(Did did, FrameDigest digest) {
    return delegate.findStored(did, digest);
  }

  @Override
  public long lastSeq() {
    return delegate.lastSeq();
  }

  @Override
  public long oldestSeq() {
    return delegate.oldestSeq();
  }

  @Override
  public List<LoggedEvent> readAfter(long afterSeq, int max) {
    return delegate.readAfter(afterSeq, max);
  }

  @Override
  public void addAppendListener(LongConsumer listener) {
    delegate.addAppendListener(listener);
  }

  @Override
  public int prune(Retention retention) {
    return delegate.prune(retention);
  }

  @Override
  public Status status() {
    return delegate.status();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
