package dev.atsync.inverter.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atsync.inverter.UpstreamStatus;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.inverter.log.EventStore;
import dev.atsync.inverter.log.InMemoryEventStore;
import dev.atsync.inverter.log.Retention;
import dev.atsync.inverter.log.jetstream.JetStreamEventStore;
import dev.atsync.inverter.log.jetstream.JetStreamSettings;
import dev.atsync.inverter.log.sqlite.SqliteEventStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The operator's routes on the ingest listener, behind the admin bearer token (its own
 * {@link TokenSet}, separate from the ingest tokens, compared in constant time, never logged):
 *
 * <ul>
 *   <li>{@code GET /admin/subscribers}: every connected subscriber (id, remote address, cursor,
 *       lag in events, bytes queued, connected since);
 *   <li>{@code POST /admin/subscribers/{id}/disconnect}: closes one (it gets a close frame);
 *   <li>{@code GET /admin/upstreams}: the pull-mode upstreams and how each is followed;
 *   <li>{@code GET /admin/log}: the store kind, first and last seq, the window, size on disk.
 * </ul>
 *
 * <p>Answers are JSON; errors are {@code {"error", "message"}} like every answer of the listener:
 * 401 without or with a wrong token, 404 for an unknown route or subscriber, 405 for a wrong method.
 * Without an admin token configured these routes do not exist (404, as any unknown path).
 */
public final class AdminRoutes {
  /** Every admin route is under this prefix. */
  public static final String PREFIX = "/admin/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TokenSet token;
  private final Fanout fanout;
  private final Supplier<List<UpstreamStatus>> upstreams;
  private final EventLog log;

  /**
   * An answer to send.
   *
   * @param status the HTTP status
   * @param body the JSON body
   */
  public record Answer(int status, byte[] body) {}

  /**
   * @param token the admin token (one, at least 16 characters)
   * @param fanout the subscribers
   * @param upstreams the pull-mode upstreams' status
   * @param log the event log
   */
  public AdminRoutes(TokenSet token, Fanout fanout, Supplier<List<UpstreamStatus>> upstreams, EventLog log) {
    this.token = Objects.requireNonNull(token);
    this.fanout = Objects.requireNonNull(fanout);
    this.upstreams = Objects.requireNonNull(upstreams);
    this.log = Objects.requireNonNull(log);
  }

  /** Whether {@code path} is an admin route's (under {@link #PREFIX}). */
  public static boolean handles(String path) {
    return path.startsWith(PREFIX);
  }

  /**
   * Answers one admin request.
   *
   * @param method the HTTP method
   * @param path the request path (without the query)
   * @param authorization the {@code Authorization} header, or null
   */
  public Answer answer(String method, String path, String authorization) {
    if (authorization == null) {
      return error(401, "AuthenticationRequired", "an Authorization: Bearer <admin token> header is required");
    }
    if (!token.accepts(authorization)) {
      return error(401, "InvalidToken", "the admin token is not accepted");
    }
    boolean get = method.equals("GET") || method.equals("HEAD");
    String route = path.substring(PREFIX.length());
    switch (route) {
      case "subscribers":
        return get ? ok(subscribers()) : methodNotAllowed("GET");
      case "upstreams":
        return get ? ok(upstreamList()) : methodNotAllowed("GET");
      case "log":
        return get ? ok(logInfo()) : methodNotAllowed("GET");
      default:
        break;
    }
    String[] parts = route.split("/", -1);
    if (parts.length == 3 && parts[0].equals("subscribers") && parts[2].equals("disconnect")) {
      if (!method.equals("POST")) {
        return methodNotAllowed("POST");
      }
      long id;
      try {
        id = Long.parseLong(parts[1]);
      } catch (NumberFormatException e) {
        return error(400, "InvalidRequest", "a subscriber id is a number, got '" + clip(parts[1]) + "'");
      }
      if (!fanout.disconnect(id)) {
        return error(404, "NotFound", "no subscriber " + id + " is connected");
      }
      ObjectNode o = JSON.createObjectNode();
      o.put("disconnected", id);
      return ok(o);
    }
    return error(404, "NotFound", "no such admin route: " + clip(path));
  }

  private ArrayNode subscribers() {
    ArrayNode a = JSON.createArrayNode();
    for (SubscriberInfo s : fanout.subscribers()) {
      ObjectNode o = a.addObject();
      o.put("id", s.id());
      o.put("remote", s.remote());
      o.put("cursor", s.position());
      o.put("lag", s.lag());
      o.put("bytesQueued", s.queuedBytes());
      o.put("connectedSince", s.connectedSince().toString());
      o.put("backfilling", s.backfilling());
    }
    return a;
  }

  private ArrayNode upstreamList() {
    ArrayNode a = JSON.createArrayNode();
    for (UpstreamStatus u : upstreams.get()) {
      ObjectNode o = a.addObject();
      o.put("endpoint", u.endpoint().toString());
      o.put("connected", u.connected());
      if (u.cursor().isPresent()) {
        o.put("cursor", u.cursor().getAsLong());
      } else {
        o.putNull("cursor");
      }
      o.put("events", u.events());
      o.put("duplicates", u.duplicates());
      o.put("refused", u.refused());
      o.put("reconnects", u.reconnects());
      o.put("cursorResets", u.cursorResets());
      o.put("queued", u.queued());
      if (u.lastEventAgeMillis().isPresent()) {
        o.put("lastEventAgeMillis", u.lastEventAgeMillis().get());
      } else {
        o.putNull("lastEventAgeMillis");
      }
    }
    return a;
  }

  private ObjectNode logInfo() {
    ObjectNode o = JSON.createObjectNode();
    EventStore store = log.store();
    long last = log.lastSeq();
    long oldest = log.oldestSeq();
    o.put("firstSeq", oldest);
    o.put("lastSeq", last);
    o.put("events", last >= oldest && last > 0 ? last - oldest + 1 : 0);
    EventStore.Status status = log.status();
    o.put("status", status.condition().name());
    if (store instanceof SqliteEventStore s) {
      o.put("store", "sqlite");
      o.put("file", s.file().toString());
      window(o, s.settings().retention());
      o.put("sizeOnDiskBytes", size(s.file()) + size(sibling(s.file(), "-wal")) + size(sibling(s.file(), "-shm")));
    } else if (store instanceof InMemoryEventStore) {
      o.put("store", "memory");
      o.putNull("window");
    } else if (isJetStream(store)) {
      jetStream(o, store);
    } else {
      o.put("store", store.getClass().getName());
      o.putNull("window");
    }
    return o;
  }

  /** The JetStream client is optional: its store's class is only touched when it is present. */
  private static boolean isJetStream(EventStore store) {
    return store.getClass().getName().equals("dev.atsync.inverter.log.jetstream.JetStreamEventStore");
  }

  private static void jetStream(ObjectNode o, EventStore store) {
    JetStreamSettings s = ((JetStreamEventStore) store).settings();
    o.put("store", "jetstream");
    o.put("stream", s.streamName());
    o.put("replicas", s.replicas());
    window(o, new Retention(s.maxAge(), s.maxEvents()));
  }

  private static void window(ObjectNode o, Retention r) {
    ObjectNode w = o.putObject("window");
    if (r.maxAge().isPresent()) {
      w.put("maxAgeSeconds", r.maxAge().get().toSeconds());
    } else {
      w.putNull("maxAgeSeconds");
    }
    if (r.maxEvents().isPresent()) {
      w.put("maxEvents", r.maxEvents().getAsLong());
    } else {
      w.putNull("maxEvents");
    }
  }

  private static Path sibling(Path file, String suffix) {
    return file.resolveSibling(file.getFileName() + suffix);
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0; // -wal and -shm exist only while a connection is open
    }
  }

  private static String clip(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  private static Answer ok(Object node) {
    return new Answer(200, bytes(node));
  }

  private static Answer methodNotAllowed(String allowed) {
    return error(405, "MethodNotAllowed", "use " + allowed);
  }

  private static Answer error(int status, String error, String message) {
    ObjectNode o = JSON.createObjectNode();
    o.put("error", error);
    o.put("message", message);
    return new Answer(status, bytes(o));
  }

  private static byte[] bytes(Object node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }
}
