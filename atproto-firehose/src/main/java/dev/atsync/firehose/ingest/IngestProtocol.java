package dev.atsync.firehose.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The push-ingest protocol, defined once for the inverter that serves it and the clients that
 * post to it.
 *
 * <p>A PDS instance sends {@code POST /events} with {@code Authorization: Bearer <token>},
 * {@code Content-Type: application/vnd.ipld.dag-cbor}, and a body of one or more event-stream
 * frames exactly as its own {@code subscribeRepos} would send them, concatenated. The answer is
 * {@code 200 {"seqs": [..]}}, one inverter seq per frame in order, once every frame is durable;
 * or an error status with {@code {"error": NAME, "message": TEXT, ...details}} (see
 * {@link IngestError}), and then nothing of the request was stored.
 */
public final class IngestProtocol {
  /** The endpoint. */
  public static final String PATH = "/events";
  /** The one content type a body is accepted in. */
  public static final String CONTENT_TYPE = "application/vnd.ipld.dag-cbor";
  /** Detail: index of the offending frame within the batch. */
  public static final String FRAME = "frame";
  /** Detail: the frame's field at fault. */
  public static final String FIELD = "field";
  /** Detail: byte offset within the frame. */
  public static final String OFFSET = "offset";
  /** Detail: the verifier's reason code. */
  public static final String REASON = "reason";
  /** Detail: the account of a stale event. */
  public static final String DID = "did";
  /** Detail: the refused rev. */
  public static final String REV = "rev";
  /** Detail: the account's current rev. */
  public static final String CURRENT_REV = "currentRev";

  private static final ObjectMapper JSON = new ObjectMapper();

  private IngestProtocol() {}

  /** The body of a {@code 200} answer. */
  public static byte[] acceptedBody(List<Long> seqs) {
    ObjectNode n = JSON.createObjectNode();
    seqs.forEach(n.putArray("seqs")::add);
    return write(n);
  }

  /** The body of an error answer. */
  public static byte[] errorBody(IngestException e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("error", e.errorName());
    n.put("message", e.getMessage());
    e.details().forEach((k, v) -> n.set(k, JSON.valueToTree(v)));
    return write(n);
  }

  /**
   * The seqs of a {@code 200} answer to a post of {@code frames} frames.
   *
   * @throws IngestException ({@link IngestError#UNKNOWN}) if the body is not such an answer
   */
  public static List<Long> parseAccepted(byte[] body, int frames) {
    JsonNode n = read(body);
    JsonNode arr = n == null ? null : n.get("seqs");
    if (arr == null || !arr.isArray() || arr.size() != frames) {
      throw new IngestException(IngestError.UNKNOWN, 200, "Unknown", "a 200 answer must carry " + frames
          + " seqs: " + preview(body), Map.of(), null);
    }
    List<Long> out = new ArrayList<>(frames);
    for (JsonNode s : arr) {
      if (!s.canConvertToLong() || !s.isIntegralNumber()) {
        throw new IngestException(IngestError.UNKNOWN, 200, "Unknown", "non-integer seq " + s, Map.of(), null);
      }
      out.add(s.asLong());
    }
    return List.copyOf(out);
  }

  /** The exception an error answer stands for; tolerant of bodies that are not the protocol's JSON. */
  public static IngestException parseError(int status, byte[] body) {
    JsonNode n = read(body);
    String name = n != null && n.path("error").isTextual() ? n.get("error").asText() : "HTTP" + status;
    String message = n != null && n.path("message").isTextual() ? n.get("message").asText()
        : "HTTP " + status + (body.length == 0 ? "" : ": " + preview(body));
    Map<String, Object> details = new LinkedHashMap<>();
    if (n != null && n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (f.getKey().equals("error") || f.getKey().equals("message")) {
          continue;
        }
        JsonNode v = f.getValue();
        details.put(f.getKey(), v.isIntegralNumber() ? (Object) v.asLong() : v.isNumber() ? v.asDouble()
            : v.isBoolean() ? v.asBoolean() : v.isTextual() ? v.asText() : v.toString());
      }
    }
    return new IngestException(IngestError.of(status, name), status, name, message, details, null);
  }

  private static JsonNode read(byte[] body) {
    if (body.length == 0 || body.length > 1 << 20) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static String preview(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    return body.length > 200 ? s + "..." : s;
  }

  private static byte[] write(JsonNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot happen: a tree of plain values", e);
    }
  }
}
