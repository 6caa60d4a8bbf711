package dev.atsync.cbor.jackson;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.atsync.cbor.DagCbor;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Maps the user's own Java types (records, beans) to canonical DAG-CBOR and back with Jackson
 * data binding, e.g. {@code app.bsky.feed.post} to a {@code Post} record.
 *
 * <p>Jackson's CBOR generator writes fields in declaration order and objects with
 * indefinite lengths, so it cannot produce canonical DAG-CBOR. This mapper therefore routes
 * through {@link Value}: object → Jackson tree → {@link Value} → {@link DagCbor#encode} (sorted
 * keys, shortest heads, definite lengths); and decoding is strict ({@link DagCbor#decode}) before
 * Jackson binds the tree. {@link Cid} fields become tag-42 links and {@code byte[]} fields byte
 * strings; floating-point values are rejected; {@code null} and absent ({@code Optional.empty()})
 * properties are omitted, as atproto records omit unset optional fields.
 *
 * <p>Errors: bad bytes raise {@link dev.atsync.cbor.CborException}; values the data model cannot
 * hold (floats, integers beyond 64 bits) or trees that do not fit the target type raise {@link
 * IllegalArgumentException} with Jackson's message. Thread-safe once built.
 */
public final class DagCborMapper {
  private final ObjectMapper mapper;

  /** A mapper with atproto defaults: {@link AtprotoCborModule}, non-absent inclusion. */
  public DagCborMapper() {
    this(JsonMapper.builder()
        .addModule(new AtprotoCborModule())
        .serializationInclusion(JsonInclude.Include.NON_ABSENT)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build());
  }

  /**
   * A mapper over a caller-configured {@code ObjectMapper}, which must have {@link
   * AtprotoCborModule} registered if the types hold {@link Cid}s.
   */
  public DagCborMapper(ObjectMapper mapper) {
    this.mapper = Objects.requireNonNull(mapper, "mapper");
  }

  /**
   * A plain jackson-dataformat-cbor {@code ObjectMapper} with {@link AtprotoCborModule}: fast
   * and convenient for reading, but neither strict on input nor canonical on output. Never use
   * it where bytes are hashed or signatures verified.
   */
  public static ObjectMapper lenientCborMapper() {
    return CBORMapper.builder()
        .addModule(new AtprotoCborModule())
        .serializationInclusion(JsonInclude.Include.NON_ABSENT)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();
  }

  /** Canonical DAG-CBOR of {@code object}. */
  public byte[] encode(Object object) {
    return DagCbor.encode(toValue(object));
  }

  /** The dag-cbor CID of {@code object}'s canonical encoding. */
  public Cid cidOf(Object object) {
    return DagCbor.cidOf(toValue(object));
  }

  /** Decodes strict DAG-CBOR and binds it to {@code type}. */
  public <T> T decode(byte[] cbor, Class<T> type) {
    return fromValue(DagCbor.decode(cbor), type);
  }

  /** The data-model value of {@code object}. */
  public Value toValue(Object object) {
    JsonNode tree = mapper.valueToTree(object);
    return toValue(tree, "$");
  }

  /** Binds a data-model value to {@code type}. */
  public <T> T fromValue(Value value, Class<T> type) {
    try {
      return mapper.treeToValue(toNode(value), type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot bind to " + type.getName() + ": " + e.getOriginalMessage(), e);
    }
  }

  private static Value toValue(JsonNode n, String path) {
    switch (n.getNodeType()) {
      case NULL:
      case MISSING:
        return Value.NULL;
      case BOOLEAN:
        return Value.of(n.booleanValue());
      case STRING:
        return Value.of(n.textValue());
      case BINARY:
        return new Value.Bytes(((com.fasterxml.jackson.databind.node.BinaryNode) n).binaryValue());
      case NUMBER:
        if (n.isIntegralNumber() && n.canConvertToLong()) {
          return Value.of(n.longValue());
        }
        throw new IllegalArgumentException((n.isIntegralNumber()
            ? "integer beyond 64 bits" : "floating-point number (not in the atproto data model)") + " at " + path);
      case ARRAY: {
        ArrayList<Value> items = new ArrayList<>(n.size());
        int i = 0;
        for (JsonNode c : n) {
          items.add(toValue(c, path + "[" + i++ + "]"));
        }
        return new Value.List(items);
      }
      case OBJECT: {
        LinkedHashMap<String, Value> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          entries.put(e.getKey(), toValue(e.getValue(), path + "." + e.getKey()));
        }
        return new Value.Map(entries);
      }
      case POJO: {
        Object o = ((POJONode) n).getPojo();
        if (o instanceof Cid) {
          return Value.of((Cid) o);
        }
        if (o instanceof byte[]) {
          return new Value.Bytes((byte[]) o);
        }
        throw new IllegalArgumentException("unsupported embedded " + (o == null ? "null" : o.getClass().getName()) + " at " + path);
      }
      default:
        throw new IllegalArgumentException("unsupported JSON node " + n.getNodeType() + " at " + path);
    }
  }

  private static JsonNode toNode(Value v) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    switch (v.kind()) {
      case NULL:
        return f.nullNode();
      case BOOLEAN:
        return f.booleanNode(((Value.Bool) v).value());
      case INTEGER:
        return f.numberNode(((Value.Int) v).value());
      case TEXT:
        return f.textNode(((Value.Text) v).value());
      case BYTES:
        return f.binaryNode(((Value.Bytes) v).value());
      case LINK:
        return f.pojoNode(((Value.Link) v).cid());
      case LIST: {
        ArrayNode a = f.arrayNode();
        for (Value item : ((Value.List) v).values()) {
          a.add(toNode(item));
        }
        return a;
      }
      case MAP: {
        ObjectNode o = f.objectNode();
        for (Map.Entry<String, Value> e : ((Value.Map) v).entries().entrySet()) {
          o.set(e.getKey(), toNode(e.getValue()));
        }
        return o;
      }
      default:
        throw new AssertionError(v.kind());
    }
  }
}
