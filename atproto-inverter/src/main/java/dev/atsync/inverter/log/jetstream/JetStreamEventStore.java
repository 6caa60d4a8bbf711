package dev.atsync.inverter.log.jetstream;

import dev.atsync.inverter.log.EventLogException;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.FrameDigest;
import dev.atsync.inverter.log.LogEvent;
import dev.atsync.inverter.log.LoggedEvent;
import dev.atsync.inverter.log.Retention;
import dev.atsync.syntax.Did;
import dev.atsync.syntax.Tid;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.PurgeOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventStore} on one NATS JetStream stream, shared by any number of inverter nodes.
 * The firehose seq is the stream sequence, so every node serves the same seq for the same event.
 * The layout of subjects and headers is described in {@code MessageHeaders}; each node follows
 * the stream with a {@code StreamTail}, and the stream is created or checked by a
 * {@code StreamProvisioner}.
 *
 * <p><b>Append.</b> Every event is published with {@code Nats-Msg-Id} = hex SHA-256 of its
 * frame, so the server answers a retry within the duplicate window with the original seq. An
 * event with a rev is published with {@code expectedLastSubjectSequence} = the head seq the
 * {@link dev.atsync.inverter.log.EventLog} checked it against (then the seq of the account's
 * previous event in the same append): when another node appended to that account in between,
 * the server refuses it and the append answers {@link Conflict}.
 *
 * <p><b>Pipelined.</b> An append publishes asynchronously: the events of different accounts are
 * all in flight at once, and each account's events are published one after the other, in append
 * order, the next one only once the previous one's acknowledgement gave the seq it must expect
 * (so a refused event is never followed by its successor, and a resent event can never land
 * behind it). Concurrent appends share the connection, so their publishes are in flight together
 * too. At most 1,024 publishes are in flight per store; beyond that an append
 * waits for a slot, for up to the request timeout ({@link JetStreamSettings#connectTimeout()}).
 * While an append publishes events with a rev to an account, other appends to that account on
 * this node wait for it to end: a replicated stream on nats-server 2.9 checks the expectation only
 * against the messages it has already applied, so two publishes expecting the same head and in
 * flight together can both be stored (observed on 2.9.10, R3, with synchronous publishes as well).
 * Appends from other nodes are not held this way; on such a stream two nodes racing for one
 * account can still both get in.
 *
 * <p><b>Heads</b> come from memory when this node knows them (a bounded {@code HeadCache} of
 * {@link JetStreamSettings#recentWindow()} accounts, fed by acknowledgements, the tail and server
 * reads), else from the server. A cached head may be behind another node's newer append; the
 * expectation then refuses the publish, the append answers {@link Conflict}, and the next lookup of
 * that account asks the server.
 *
 * <p><b>Timeouts.</b> A publish unanswered within the request timeout is sent once more with the
 * same message id (a replicated stream drops requests while it elects a leader). If that fails too
 * and nothing of the append is stored yet, the append throws, and the event may still be stored:
 * the client's retry is deduplicated. If part of the append is stored, the store keeps sending it
 * (with a growing pause, for up to 20 s) and then goes on with that account's next events, so a
 * short outage still ends in a whole batch; a longer one in {@link EventLogException}.
 *
 * <p><b>Batch atomicity is weaker than {@link EventStore} asks.</b> JetStream 2.9 cannot publish
 * several messages atomically. When an event of an append meets a conflict or a failure, the
 * events already stored stay stored (the answer is still {@link Conflict} or
 * {@link EventLogException}): with pipelining, those of the other accounts (sent together with it)
 * and the account's own earlier ones. The log's retry, or the poster's, finds them as duplicates
 * and answers them with their original seqs, so nothing is stored twice; but a batch refused after
 * such a conflict (an event of it turned out stale) leaves that stored part in the stream.
 *
 * <p><b>Finding a retry</b> of an event that looks stale: a retry of the account's newest event is
 * the head itself (same message id); an older original is found in this node's tail once the
 * tail has passed the head; beyond the tail's window, the server is asked with a publish that
 * cannot be stored (an impossible expected sequence), which an unreplicated stream answers as a
 * duplicate with the original seq. A replicated 2.9 stream checks the expectation before the
 * message id, so a retry older than the node's window is answered as stale there.
 *
 * <p><b>Durability</b>: an append returns only after JetStream acknowledged every event, which with
 * {@code replicas = 3} means a quorum of servers stored it (nats-server acknowledges before it
 * syncs to disk; see the inverter README). Failures (timeouts, no quorum, connection down) throw
 * {@link EventLogException}; nothing unacknowledged is reported as stored.
 */
public final class JetStreamEventStore implements EventStore {
  private static final Logger LOG = LoggerFactory.getLogger(JetStreamEventStore.class);
  /** JetStream API error: wrong last sequence (expected-last-subject-sequence mismatch). */
  private static final int ERR_WRONG_LAST_SEQUENCE = 10071;
  /** The same refusal as answered by a clustered (replicated) stream's leader in 2.9. */
  private static final int ERR_EXPECTED_SEQUENCE_MISMATCH = 10077;
  private static final int ERR_NO_MESSAGE = 10037;

  private final JetStreamSettings settings;
  private final Connection connection;
  private final JetStream js;
  private final JetStreamManagement jsm;
  private final String node = UUID.randomUUID().toString();
  private final StreamTail tail;
  private final HeadCache heads;
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  /** Accounts whose events with a rev an append on this node is publishing; released when it ends. */
  private final ConcurrentHashMap<Did, CountDownLatch> claims = new ConcurrentHashMap<>();
  private volatile UpstreamCursors cursors;
  private volatile boolean closed;

  private JetStreamEventStore(JetStreamSettings settings, Connection connection) {
    this.settings = settings;
    this.connection = connection;
    try {
      JetStreamOptions jso = JetStreamOptions.builder().requestTimeout(settings.connectTimeout()).build();
      this.js = connection.jetStream(jso);
      this.jsm = connection.jetStreamManagement(jso);
      StreamState state = new StreamProvisioner(jsm, settings).ensureWithRetry().getStreamState();
      this.heads = new HeadCache(settings.recentWindow());
      this.tail = new StreamTail(connection, js, jsm, settings, node, state, heads);
    } catch (IOException | JetStreamApiException e) {
      throw new EventLogException("cannot set up JetStream stream " + settings.streamName() + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Connects, creates the stream if it does not exist (applying the seq floor to a new, empty
   * stream), and starts tailing it.
   *
   * @throws EventLogException if the servers cannot be reached or the stream cannot be set up
   */
  public static JetStreamEventStore connect(JetStreamSettings settings) {
    Options options = new Options.Builder()
        .servers(settings.natsUrls().toArray(new String[0]))
        .connectionTimeout(settings.connectTimeout())
        .maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(250))
        .connectionName("atsync-inverter")
        // jnats' default flushes after every request, which also ends the writer's batch: each
        // publish became a socket write of its own (and a read of its own on the server)
        .dontForceFlushOnRequest()
        // jnats' default listener logs every failed reconnect attempt; the tail logs each change once
        .errorListener(new io.nats.client.ErrorListener() {
          @Override
          public void errorOccurred(Connection conn, String error) {
            LOG.debug("NATS server error: {}", error);
          }

          @Override
          public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.debug("NATS connection: {}", exp.toString());
          }
        })
        .build();
    Connection c;
    try {
      c = Nats.connect(options);
    } catch (IOException e) {
      throw new EventLogException("cannot connect to NATS at " + settings.natsUrls() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EventLogException("interrupted while connecting to NATS", e);
    }
    try {
      return new JetStreamEventStore(settings, c);
    } catch (RuntimeException e) {
      try {
        c.close();
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
  }

  private String subject(Did did, boolean withRev) {
    return MessageHeaders.subject(settings.subjectPrefix(), did.toString(), withRev);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here answered from memory when this node knows the account's head (see {@code HeadCache}:
   * possibly behind another node's newest append, which the append's expectation then detects),
   * else read from the server. While this node's tail is stalled, always read from the server.
   */
  @Override
  public Optional<Head> head(Did did) {
    if (!tail.lagging()) {
      Optional<Optional<Head>> cached = heads.get(did);
      if (cached.isPresent()) {
        return cached.get();
      }
    }
    Optional<Head> read = serverHead(did);
    heads.read(did, read);
    return read;
  }

  /** The account's head as the server has it now. */
  private Optional<Head> serverHead(Did did) {
    try {
      MessageInfo mi = jsm.getLastMessage(settings.streamName(), subject(did, true));
      Headers h = mi.getHeaders();
      String rev = h == null ? null : h.getFirst(MessageHeaders.REV);
      if (rev == null || !Tid.isValid(rev)) {
        throw new EventLogException("the head of " + did + " (stream seq " + mi.getSeq() + ") has no valid "
            + MessageHeaders.REV + " header");
      }
      return Optional.of(new Head(mi.getSeq(), Tid.parse(rev), MessageHeaders.digest(h.getFirst(MessageHeaders.MSG_ID))));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == ERR_NO_MESSAGE || e.getErrorCode() == 404) {
        return Optional.empty();
      }
      throw new EventLogException("reading the head of " + did + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new EventLogException("reading the head of " + did + ": " + e.getMessage(), e);
    }
  }

  @Override
  public OptionalLong findStored(Did did, FrameDigest digest) {
    Optional<Head> head = serverHead(did);
    heads.read(did, head);
    if (head.isPresent() && head.get().digest().filter(digest::equals).isPresent()) {
      return OptionalLong.of(head.get().seq());
    }
    String id = digest.toHex();
    // an older original is at or below the head: once the tail has passed it, the index knows
    tail.awaitTailed(head.map(Head::seq).orElse(0L), System.nanoTime() + settings.connectTimeout().toNanos());
    Long seq = tail.seqOf(id);
    if (seq != null) {
      return OptionalLong.of(seq);
    }
    return probe(did, id);
  }

  /**
   * Asks the server whether a frame with this message id was stored within the duplicate window,
   * without storing anything: the expectation can never hold, and an unreplicated stream checks
   * the message id first.
   */
  private OptionalLong probe(Did did, String id) {
    Message m = NatsMessage.builder().subject(subject(did, true)).data(new byte[0]).build();
    Optional<PublishAck> ack;
    try {
      ack = publishOnce(m, PublishOptions.builder().messageId(id).expectedLastSubjectSequence(Long.MAX_VALUE).build());
    } catch (IOException timeout) {
      throw new EventLogException("asking JetStream whether a frame of " + did + " is stored timed out", timeout);
    }
    if (ack.isPresent() && !ack.get().isDuplicate()) {
      throw new EventLogException("JetStream stored a probe at seq " + ack.get().getSeqno()
          + " despite an impossible expectation");
    }
    return ack.map(a -> OptionalLong.of(a.getSeqno())).orElse(OptionalLong.empty());
  }

  /** The upstream cursor bucket, created on first use (only pull mode needs it). */
  private UpstreamCursors cursors() {
    UpstreamCursors c = cursors;
    if (c == null) {
      synchronized (this) {
        if (cursors == null) {
          try {
            cursors = new UpstreamCursors(connection, settings);
          } catch (IOException | JetStreamApiException e) {
            throw new EventLogException("cannot set up the upstream cursor bucket of stream " + settings.streamName()
                + ": " + e.getMessage(), e);
          }
        }
        c = cursors;
      }
    }
    return c;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here the cursor is the highest upstream seq any node sharing the stream stored, kept in a
   * key-value bucket and written after the events (see {@code UpstreamCursors}); an upstream that
   * restarted with a lower counter is picked up live when it answers {@code FutureCursor}.
   */
  @Override
  public OptionalLong upstreamCursor(String upstream) {
    return cursors().get(upstream);
  }

  @Override
  public void saveUpstreamCursor(UpstreamPosition position) {
    cursors().advance(position);
  }

  /**
   * Most publishes in flight at once on this store's connection, across all appends. An append
   * that finds every slot taken waits for one for up to the request timeout; a publish that gets
   * no slot in that time counts as unanswered.
   */
  static final int MAX_IN_FLIGHT = 1024;

  @Override
  public Outcome append(List<Entry> entries, Map<Did, Long> expectedHeads, Optional<UpstreamPosition> position) {
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("nothing to append");
    }
    if (closed) {
      throw new EventLogException("event log is closed");
    }
    Pipeline p = new Pipeline(entries, expectedHeads);
    List<Did> claimed = claim(entries);
    try {
      p.run();
    } finally {
      release(claimed);
      if (p.maxNew > 0) {
        tail.advanceLast(p.maxNew);
        tail.notifyUpTo(p.maxNew);
      }
    }
    if (!p.conflicts.isEmpty()) {
      return new Conflict(p.conflicts); // another node appended to these accounts first
    }
    position.ifPresent(this::saveUpstreamCursor);
    List<Long> seqs = new ArrayList<>(entries.size());
    List<Boolean> dups = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      seqs.add(p.seqs[i]);
      dups.add(p.duplicates[i]);
    }
    return new Appended(seqs, dups);
  }

  /**
   * Claims, for this append, every account it publishes events with a rev to, waiting while
   * another append on this node holds one (claimed in DID order, so no two appends can wait for
   * each other in a circle). Why: a replicated stream on nats-server 2.9 checks an expected last subject
   * sequence against the messages it has applied, not against those still being replicated, so
   * two publishes expecting the same head, in flight together, can both be stored. Holding the
   * claim until the append's publishes are answered makes the second one expect the seq the first
   * one got (or be refused). Appends from other nodes cannot be held this way; see the class doc.
   */
  private List<Did> claim(List<Entry> entries) {
    TreeMap<String, Did> accounts = new TreeMap<>();
    for (Entry e : entries) {
      if (e.event().rev().isPresent()) {
        accounts.put(e.event().did().toString(), e.event().did());
      }
    }
    List<Did> held = new ArrayList<>(accounts.size());
    long deadline = System.nanoTime() + FINISH_WAIT.toNanos() + 4 * settings.connectTimeout().toNanos();
    try {
      for (Did did : accounts.values()) {
        CountDownLatch mine = new CountDownLatch(1);
        while (true) {
          CountDownLatch other = claims.putIfAbsent(did, mine);
          if (other == null) {
            held.add(did);
            break;
          }
          long left = deadline - System.nanoTime();
          if (left <= 0 || closed) {
            throw new EventLogException("another append to " + did + " on this node did not end in time");
          }
          other.await(left, TimeUnit.NANOSECONDS); // released or timed out: either way, try again
        }
      }
      return held;
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      release(held);
      throw new EventLogException("interrupted while waiting for another append to the same account", ie);
    } catch (RuntimeException e) {
      release(held);
      throw e;
    }
  }

  private void release(List<Did> held) {
    for (Did did : held) {
      CountDownLatch l = claims.remove(did);
      if (l != null) {
        l.countDown();
      }
    }
  }

  /** The answer to one publish request: an acknowledgement, or why there is none. */
  private record Answer(int index, int attempt, PublishAck ack, Throwable failure) {}

  /** A publish request waiting for its answer; the oldest is the first to time out. */
  private record Flight(CompletableFuture<PublishAck> future, long deadline) {}

  /**
   * One append's publishes. Each account's events form a chain, published one at a time in append
   * order (the next only once the previous one's acknowledgement gave the seq it expects, and so
   * that a resent event can never land behind its successor); the chains of different accounts
   * are all in flight at once. Answers come back on the appending thread, which sends what
   * follows; nothing blocks the connection's threads.
   */
  private final class Pipeline {
    private final List<Entry> entries;
    private final Map<Did, Long> expect;
    private final Map<Did, ArrayDeque<Integer>> chains = new LinkedHashMap<>();
    private final Message[] messages;
    private final PublishOptions[] options;
    final long[] seqs;
    final boolean[] duplicates;
    final Set<Did> conflicts = new LinkedHashSet<>();
    long maxNew;
    private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    private final ArrayDeque<Flight> flights = new ArrayDeque<>();
    private final long timeoutNanos = settings.connectTimeout().toNanos();
    private final List<Integer> unanswered = new ArrayList<>();
    private int pending;
    private EventLogException refused;
    private IOException firstUnanswered;
    private boolean interrupted;

    Pipeline(List<Entry> entries, Map<Did, Long> expectedHeads) {
      this.entries = entries;
      this.expect = new HashMap<>(expectedHeads);
      this.messages = new Message[entries.size()];
      this.options = new PublishOptions[entries.size()];
      this.seqs = new long[entries.size()];
      this.duplicates = new boolean[entries.size()];
      for (int i = 0; i < entries.size(); i++) {
        chains.computeIfAbsent(entries.get(i).event().did(), d -> new ArrayDeque<>()).add(i);
      }
    }

    private boolean stopped() {
      return refused != null || !conflicts.isEmpty();
    }

    void run() {
      try {
        for (Did did : chains.keySet()) {
          if (stopped()) {
            break;
          }
          next(did);
        }
        drain();
        long finishBy = 0;
        while (!unanswered.isEmpty() && !stopped()) {
          if (maxNew == 0) {
            // nothing of this append is known to be stored: the error is the truth
            throw new EventLogException("publishing to JetStream failed (the event may or may not be stored; "
                + "a retry is deduplicated): " + firstUnanswered.getMessage(), firstUnanswered);
          }
          if (finishBy == 0) {
            finishBy = System.nanoTime() + FINISH_WAIT.toNanos();
          }
          finishUnanswered(finishBy);
          drain();
        }
        if (refused != null) {
          throw refused;
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Publishes the next event of {@code did}'s chain, if any. */
    private void next(Did did) {
      Integer i = chains.get(did).poll();
      if (i == null) {
        return;
      }
      LogEvent e = entries.get(i).event();
      String id = entries.get(i).digest().toHex();
      messages[i] = message(e, id);
      PublishOptions.Builder po = PublishOptions.builder().messageId(id);
      if (e.rev().isPresent()) {
        Long head = expect.get(did);
        if (head == null) {
          head = head(did).map(Head::seq).orElse(0L);
        }
        po.expectedLastSubjectSequence(head);
      }
      options[i] = po.build();
      send(i, 1);
    }

    /** Sends publish {@code i}; its answer (or the reason there is none) arrives in {@link #answers}. */
    private void send(int i, int attempt) {
      Message m = messages[i];
      try {
        beforePublish.before(m, options[i]);
      } catch (IOException unansweredByHook) {
        unanswered(i, attempt, unansweredByHook);
        return;
      } catch (EventLogException refusedByHook) {
        refuse(refusedByHook);
        return;
      }
      try {
        if (!inFlight.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
          unanswered(i, attempt, new IOException("all " + MAX_IN_FLIGHT + " publish slots stayed taken for "
              + settings.connectTimeout().toMillis() + " ms"));
          return;
        }
      } catch (InterruptedException ie) {
        interrupted = true;
        refuse(new EventLogException("interrupted while waiting to publish to JetStream", ie));
        return;
      }
      CompletableFuture<PublishAck> f;
      try {
        f = js.publishAsync(m, options[i]);
      } catch (RuntimeException notSent) {
        inFlight.release();
        unanswered(i, attempt, notSent);
        return;
      }
      pending++;
      flights.add(new Flight(f, System.nanoTime() + timeoutNanos));
      f.whenComplete((ack, failure) -> {
        inFlight.release();
        answers.add(new Answer(i, attempt, ack, failure));
      });
    }

    /** Publish {@code i} was not sent: its answer is the reason, handled like any unanswered publish. */
    private void unanswered(int i, int attempt, Throwable why) {
      pending++;
      answers.add(new Answer(i, attempt, null, why));
    }

    /** Another writer moved {@code did}'s head: the append answers Conflict, and the cached head is re-read. */
    private void conflict(Did did) {
      conflicts.add(did);
      heads.moved(did);
    }

    private void refuse(EventLogException e) {
      if (refused == null) {
        refused = e;
      }
    }

    /** Waits for every request in flight, sending each chain's next event as answers arrive. */
    private void drain() {
      while (pending > 0) {
        while (!flights.isEmpty() && flights.peekFirst().future().isDone()) {
          flights.pollFirst();
        }
        long now = System.nanoTime();
        Flight oldest = flights.peekFirst();
        if (oldest != null && oldest.deadline() - now <= 0) {
          // jnats would time it out later (its cleanup runs every few seconds): do it on time
          oldest.future().completeExceptionally(new TimeoutException("JetStream did not acknowledge a publish within "
              + settings.connectTimeout().toMillis() + " ms"));
          flights.pollFirst();
          continue;
        }
        Answer a;
        try {
          a = answers.poll(oldest == null ? timeoutNanos : oldest.deadline() - now, TimeUnit.NANOSECONDS);
        } catch (InterruptedException ie) {
          interrupted = true; // the requests in flight are answered or time out: wait for them, then say so
          continue;
        }
        if (a != null) {
          pending--;
          handle(a);
        }
      }
    }

    private void handle(Answer a) {
      int i = a.index();
      LogEvent e = entries.get(i).event();
      if (a.failure() == null) {
        // a resend's "duplicate" is the first send's event: this append's, not an earlier one's
        stored(i, a.ack().getSeqno(), a.attempt() == 1 && a.ack().isDuplicate());
        if (!stopped()) {
          next(e.did());
        }
        return;
      }
      Throwable t = a.failure();
      while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
        t = t.getCause();
      }
      JetStreamApiException api = apiError(t);
      if (api != null) {
        if (api.getApiErrorCode() == ERR_WRONG_LAST_SEQUENCE || api.getApiErrorCode() == ERR_EXPECTED_SEQUENCE_MISMATCH) {
          conflict(e.did());
        } else {
          refuse(new EventLogException("JetStream refused an event of " + messages[i].getSubject() + ": "
              + api.getMessage(), api));
        }
        return;
      }
      // unanswered: timed out, no responders during an election, the connection down
      IOException io = t instanceof IOException x ? x : new IOException(t.toString(), t);
      if (a.attempt() == 1 && !closed) {
        LOG.debug("JetStream publish to {} went unanswered ({}); sending it once more", messages[i].getSubject(),
            io.getMessage());
        send(i, 2);
        return;
      }
      if (firstUnanswered == null) {
        firstUnanswered = io;
      }
      unanswered.add(i); // its chain waits: finished below, or the append fails
    }

    /** The server's refusal in {@code t}'s causes (jnats wraps it in a RuntimeException), or null. */
    private static JetStreamApiException apiError(Throwable t) {
      for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
        if (t instanceof JetStreamApiException api) {
          return api;
        }
      }
      return null;
    }

    private void stored(int i, long seq, boolean duplicate) {
      seqs[i] = seq;
      duplicates[i] = duplicate;
      if (duplicate) {
        return;
      }
      maxNew = Math.max(maxNew, seq);
      Entry entry = entries.get(i);
      LogEvent e = entry.event();
      if (e.rev().isPresent()) {
        expect.put(e.did(), seq);
        heads.stored(e.did(), new Head(seq, e.rev().get(), Optional.of(entry.digest())));
      }
    }

    /**
     * Part of this append is stored and some publishes stayed unanswered: rather than answer an
     * error with a stored part behind it, keep sending each under its message id until
     * {@code finishBy}, then go on with its chain.
     */
    private void finishUnanswered(long finishBy) {
      List<Integer> todo = new ArrayList<>(unanswered);
      unanswered.clear();
      for (int i : todo) {
        Did did = entries.get(i).event().did();
        if (stopped()) {
          return;
        }
        Optional<Ack> ack = finish(messages[i], options[i], finishBy, firstUnanswered);
        if (ack.isEmpty()) {
          conflict(did);
        } else {
          stored(i, ack.get().seq(), ack.get().duplicate());
          next(did);
        }
      }
    }
  }

  private Message message(LogEvent e, String id) {
    Headers h = new Headers();
    h.put(MessageHeaders.DID, e.did().toString());
    h.put(MessageHeaders.TYPE, e.type());
    h.put(MessageHeaders.NODE, node);
    e.rev().ifPresent(r -> h.put(MessageHeaders.REV, r.toString()));
    return NatsMessage.builder().subject(subject(e.did(), e.rev().isPresent())).headers(h).data(e.frame()).build();
  }

  /** Where a published event is stored, and whether it was stored before this append. */
  private record Ack(long seq, boolean duplicate) {}

  /** For tests: runs before every publish request, and may fail it (an IOException is a request that went unanswered). */
  interface PublishHook {
    void before(Message m, PublishOptions po) throws IOException;
  }

  volatile PublishHook beforePublish = (m, po) -> { };

  /**
   * Keeps sending an unanswered publish under its message id, with a growing pause, until it is
   * answered or {@code finishBy} ({@link System#nanoTime()}) passes (at most {@link #FINISH_WAIT}
   * after the append first had to): a short outage or a leader election then still ends in a whole
   * batch; a longer one in the error (and the stored part, which the client's retry finds as
   * duplicates). Empty when the server refused it for a wrong expected last subject sequence.
   */
  private Optional<Ack> finish(Message m, PublishOptions po, long finishBy, IOException failure) {
    long pause = 50;
    while (!closed && System.nanoTime() < finishBy) {
      try {
        Thread.sleep(pause);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      }
      pause = Math.min(1000, pause * 2);
      try {
        // stored by an earlier send of this append: ours, not a duplicate
        return publishOnce(m, po).map(a -> new Ack(a.getSeqno(), false));
      } catch (IOException again) {
        LOG.debug("finishing a batch: publish to {} still unanswered", m.getSubject());
      }
    }
    throw new EventLogException("publishing to JetStream failed in the middle of a batch; part of it is stored,"
        + " and a retry of the batch is answered with those events' seqs: " + failure.getMessage(), failure);
  }

  /** How long an append that stored part of its batch keeps sending the rest while NATS does not answer. */
  static final Duration FINISH_WAIT = Duration.ofSeconds(20);

  /** One publish request; IOException when it went unanswered. */
  private Optional<PublishAck> publishOnce(Message m, PublishOptions po) throws IOException {
    beforePublish.before(m, po);
    try {
      return Optional.of(js.publish(m, po));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == ERR_WRONG_LAST_SEQUENCE || e.getApiErrorCode() == ERR_EXPECTED_SEQUENCE_MISMATCH) {
        return Optional.empty();
      }
      throw new EventLogException("JetStream refused an event of " + m.getSubject() + ": " + e.getMessage(), e);
    }
  }

  /** The settings the store was connected with (its stream and backfill window). */
  public JetStreamSettings settings() {
    return settings;
  }

  @Override
  public long lastSeq() {
    return tail.lastSeq();
  }

  /**
   * {@code UNAVAILABLE} while the NATS connection is not connected or the stream did not answer
   * the tail's last look (every 500 ms); {@code FAILED} if the tail's watchdog died. Changes are
   * logged once, by the tail.
   */
  @Override
  public Status status() {
    if (closed) {
      return Status.of(Status.Condition.UNAVAILABLE, "closed");
    }
    String f = tail.failed();
    if (f != null) {
      return Status.of(Status.Condition.FAILED, f);
    }
    Connection.Status cs = connection.getStatus();
    if (cs != Connection.Status.CONNECTED) {
      return Status.of(Status.Condition.UNAVAILABLE, "NATS connection is " + cs);
    }
    String p = tail.problem();
    if (p != null) {
      return Status.of(Status.Condition.UNAVAILABLE, "stream " + settings.streamName() + " cannot be reached: " + p);
    }
    return Status.OK;
  }

  @Override
  public long oldestSeq() {
    // refreshed by the tail's watchdog, so the fan-out thread never waits on the server here
    return tail.oldestSeq();
  }

  @Override
  public List<LoggedEvent> readAfter(long afterSeq, int max) {
    if (max <= 0) {
      return List.of();
    }
    long cursor = Math.max(afterSeq, oldestSeq() - 1);
    long last = lastSeq();
    List<LoggedEvent> out = new ArrayList<>(Math.min(max, 1024));
    while (out.size() < max && cursor < last) {
      Map.Entry<Long, LoggedEvent> first = tail.recent().firstEntry();
      Map.Entry<Long, LoggedEvent> next = tail.recent().higherEntry(cursor);
      LoggedEvent e;
      if (first != null && first.getKey() <= cursor + 1 && next != null) {
        e = next.getValue();
      } else {
        Optional<LoggedEvent> fetched = fetchNext(cursor + 1);
        if (fetched.isEmpty()) {
          break;
        }
        e = fetched.get();
      }
      out.add(e);
      cursor = e.seq();
    }
    return out;
  }

  /** The first event at or after {@code fromSeq}, read from the server (outside the tail's window). */
  private Optional<LoggedEvent> fetchNext(long fromSeq) {
    long seq = fromSeq;
    try {
      while (true) {
        MessageInfo mi = jsm.getNextMessage(settings.streamName(), seq, settings.subjectPrefix() + ".>");
        Headers h = mi.getHeaders();
        String did = h == null ? null : h.getFirst(MessageHeaders.DID);
        String type = h == null ? null : h.getFirst(MessageHeaders.TYPE);
        if (did == null || type == null || !Did.isValid(did)) {
          seq = mi.getSeq() + 1; // not an atsync event: skip it, as the tail does
          continue;
        }
        ZonedDateTime t = mi.getTime();
        return Optional.of(new LoggedEvent(mi.getSeq(), Did.parse(did), type, mi.getData(),
            t == null ? 0 : t.toInstant().toEpochMilli()));
      }
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == ERR_NO_MESSAGE || e.getErrorCode() == 404) {
        return Optional.empty();
      }
      throw new EventLogException("reading seq " + seq + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new EventLogException("reading seq " + seq + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void addAppendListener(LongConsumer listener) {
    tail.addListener(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Purges events outside the window. The stream's own MaxAge/MaxMsgs already enforce the
   * configured window on the server; this applies another one on demand.
   */
  @Override
  public int prune(Retention retention) {
    long removed = 0;
    try {
      if (retention.maxEvents().isPresent()) {
        removed += jsm.purgeStream(settings.streamName(),
            PurgeOptions.builder().keep(retention.maxEvents().getAsLong()).build()).getPurged();
      }
      if (retention.maxAge().isPresent()) {
        ZonedDateTime cutoff = ZonedDateTime.now(ZoneOffset.UTC).minus(retention.maxAge().get());
        try {
          MessageInfo firstKept = jsm.getFirstMessage(settings.streamName(), cutoff);
          removed += jsm.purgeStream(settings.streamName(),
              PurgeOptions.builder().sequence(firstKept.getSeq()).build()).getPurged();
        } catch (JetStreamApiException none) {
          if (none.getApiErrorCode() != ERR_NO_MESSAGE && none.getErrorCode() != 404) {
            throw none;
          }
          // nothing younger than the cutoff: everything goes, the sequence carries on
          removed += jsm.purgeStream(settings.streamName()).getPurged();
        }
      }
    } catch (IOException | JetStreamApiException e) {
      throw new EventLogException("pruning stream " + settings.streamName() + ": " + e.getMessage(), e);
    }
    heads.clear(); // a head may have been purged: ask the server again
    tail.refresh();
    return (int) Math.min(Integer.MAX_VALUE, removed);
  }

  /** The newest seq this node's tail delivered (tests watch it recover). */
  long tailedSeq() {
    return tail.tailedSeq();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    tail.close();
    try {
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.debug("closing the NATS connection", e);
    }
  }
}
