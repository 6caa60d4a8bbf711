package dev.atsync.inverter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.FrameDigest;
import dev.atsync.inverter.log.InMemoryEventStore;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.reliability.ForwardingStore;
import dev.atsync.syntax.Did;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 at the policy layer, over HTTP: a store that fails its Nth call (a head, a digest
 * lookup, the append) for every N a batch makes. The answer is 200 only if every event of the
 * batch is stored, and 503 only if none is; the retry after it is answered from the truth.
 */
class PolicyFaultInjectionTest {
  static final String TOKEN = "policy-token-0123456789abcdef";

  /** Fails the Nth storage call from arming on. */
  static final class Failing extends ForwardingStore {
    final AtomicInteger calls = new AtomicInteger();
    volatile int failAt = Integer.MAX_VALUE;

    Failing() {
      super(new InMemoryEventStore(1));
    }

    private void call(String what) {
      if (calls.incrementAndGet() == failAt) {
        throw new EventLogException("injected failure of " + what);
      }
    }

    @Override
    public Outcome append(List<Entry> entries, Map<Did, Long> expectedHeads,
        Optional<UpstreamPosition> position) {
      call("append");
      return super.append(entries, expectedHeads, position);
    }

    @Override
    public Optional<Head> head(Did did) {
      call("head");
      return super.head(did);
    }

    @Override
    public OptionalLong findStored(Did did, FrameDigest digest) {
      call("findStored");
      return super.findStored(did, digest);
    }
  }

  static int post(Inverter inv, byte[] body) throws Exception {
    HttpResponse<String> r = InverterTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + inv.ingestPort().orElseThrow() + "/events")).header("Content-Type", "application/vnd.ipld.dag-cbor")
        .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode();
  }

  @Test
  void anAnswerIsTheTruthWhicheverStorageCallFails() throws Exception {
    int n = 1;
    while (true) {
      Failing store = new Failing();
      try (Inverter inv = Inverter.builder().log(EventLog.over(store))
          .publicAddress(new InetSocketAddress("127.0.0.1", 0)).ingestAddress(new InetSocketAddress("127.0.0.1", 0))
          .ingestTokens(List.of(TOKEN)).check(EventCheck.NONE).build().start()) {
        String a = TestEvents.did(1);
        String b = TestEvents.did(2);
        assertEquals(200, post(inv, TestEvents.concat(List.of(TestEvents.commit(a, TestEvents.nextRev())))));
        // a batch with a stale-looking retry of the first event would call findStored; this one calls head and append
        List<Frame> batch = List.of(TestEvents.commit(a, TestEvents.nextRev()), TestEvents.identity(b),
            TestEvents.commit(b, TestEvents.nextRev()));
        byte[] body = TestEvents.concat(batch);
        store.calls.set(0);
        store.failAt = n;
        int status = post(inv, body);
        int made = store.calls.get();
        store.failAt = Integer.MAX_VALUE;
        List<LoggedEvent> stored = store.readAfter(0, 100);
        if (status == 200) {
          assertEquals(4, stored.size(), "call " + n + ": 200 means all stored");
          assertTrue(n > made, "the injected failure at call " + n + " did not happen (" + made + " calls)");
          break; // past the last call the batch makes
        }
        assertEquals(503, status, "call " + n);
        assertEquals(1, stored.size(), "call " + n + ": 503 means nothing stored");
        assertEquals(EventStore.Status.OK, store.status());
        assertEquals(200, post(inv, body), "call " + n + ": the retry is stored");
        assertEquals(4, store.readAfter(0, 100).size());
      }
      n++;
      assertTrue(n < 50, "a batch makes a bounded number of calls");
    }
    assertTrue(n > 3, "failures were injected at " + (n - 1) + " calls");
  }
}
