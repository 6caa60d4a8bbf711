package dev.atsync.cbor.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import dev.atsync.cid.InvalidCidException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The atproto JSON representation of the data model: CID links as {@code {"$link": "b..."}},
 * bytes as {@code {"$bytes": "<base64, no padding>"}}. Parsing also validates the data model
 * without a schema: no floats (an integral number such as {@code 123.0} is read as an integer),
 * {@code $link} and {@code $bytes} objects with exactly their one key, {@code $type} a non-empty
 * string, blobs ({@code $type: "blob"}) with a {@code ref} link, a {@code mimeType} string and an
 * integer {@code size}. Duplicate keys, and nesting deeper than 64, are rejected.
 */
public final class AtprotoJson {
  private static final int MAX_DEPTH = 64;
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build())
      .build();

  private AtprotoJson() {}

  /**
   * Parses a JSON object (a record or other data-model document).
   *
   * @throws InvalidJsonException naming the JSON path of the problem
   */
  public static Value.Map parseObject(String json) {
    Value v = parse(json);
    if (!(v instanceof Value.Map m)) {
      throw new InvalidJsonException("$", "top level must be an object", 0);
    }
    return m;
  }

  /** Parses any data-model value. */
  public static Value parse(String json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new InvalidJsonException("$", "empty input", 0);
      }
      Value v = value(p, "$", 0);
      if (p.nextToken() != null) {
        throw new InvalidJsonException("$", "trailing content", p.currentLocation().getCharOffset());
      }
      return v;
    } catch (JsonProcessingException e) {
      throw new InvalidJsonException("$", "malformed JSON: " + e.getOriginalMessage(),
          e.getLocation() == null ? -1 : e.getLocation().getCharOffset());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Value value(JsonParser p, String path, int depth) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case VALUE_NULL:
        return Value.NULL;
      case VALUE_TRUE:
        return Value.TRUE;
      case VALUE_FALSE:
        return Value.FALSE;
      case VALUE_STRING:
        return new Value.Text(p.getText());
      case VALUE_NUMBER_INT:
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw new InvalidJsonException(path, "integer outside the signed 64-bit range", offset(p));
        }
        return new Value.Int(p.getLongValue());
      case VALUE_NUMBER_FLOAT: {
        BigDecimal d = p.getDecimalValue();
        try {
          return new Value.Int(d.longValueExact());
        } catch (ArithmeticException e) {
          throw new InvalidJsonException(path, "floats are not allowed in the data model: " + p.getText(), offset(p));
        }
      }
      case START_ARRAY: {
        if (depth >= MAX_DEPTH) {
          throw new InvalidJsonException(path, "nesting deeper than " + MAX_DEPTH, offset(p));
        }
        List<Value> items = new ArrayList<>();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(value(p, path + "[" + i++ + "]", depth + 1));
        }
        return new Value.List(items);
      }
      case START_OBJECT:
        if (depth >= MAX_DEPTH) {
          throw new InvalidJsonException(path, "nesting deeper than " + MAX_DEPTH, offset(p));
        }
        return object(p, path, depth);
      default:
        throw new InvalidJsonException(path, "unexpected JSON token " + t, offset(p));
    }
  }

  private static Value object(JsonParser p, String path, int depth) throws IOException {
    long start = offset(p);
    Map<String, Value> entries = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      p.nextToken();
      String child = path + "." + key;
      if ((key.equals("$link") || key.equals("$bytes")) && p.currentToken() != JsonToken.VALUE_STRING) {
        throw new InvalidJsonException(child, key + " must be a string", offset(p));
      }
      entries.put(key, value(p, child, depth + 1));
    }
    if (entries.containsKey("$link")) {
      if (entries.size() != 1) {
        throw new InvalidJsonException(path, "a $link object must have no other keys", start);
      }
      String s = ((Value.Text) entries.get("$link")).value();
      try {
        return new Value.Link(Cid.parse(s));
      } catch (InvalidCidException e) {
        throw new InvalidJsonException(path + ".$link", "not a valid CID: " + e.getMessage(), start);
      }
    }
    if (entries.containsKey("$bytes")) {
      if (entries.size() != 1) {
        throw new InvalidJsonException(path, "a $bytes object must have no other keys", start);
      }
      String s = ((Value.Text) entries.get("$bytes")).value();
      if (s.indexOf('=') >= 0) {
        throw new InvalidJsonException(path + ".$bytes", "base64 must not be padded", start);
      }
      try {
        return new Value.Bytes(Base64.getDecoder().decode(s));
      } catch (IllegalArgumentException e) {
        throw new InvalidJsonException(path + ".$bytes", "not base64: " + e.getMessage(), start);
      }
    }
    Value type = entries.get("$type");
    if (type != null) {
      if (!(type instanceof Value.Text t) || t.value().isEmpty()) {
        throw new InvalidJsonException(path + ".$type", "$type must be a non-empty string", start);
      }
      if (t.value().equals("blob")) {
        blob(entries, path, start);
      }
    }
    return new Value.Map(entries);
  }

  private static void blob(Map<String, Value> b, String path, long start) {
    if (!(b.get("ref") instanceof Value.Link)) {
      throw new InvalidJsonException(path + ".ref", "a blob needs a ref link", start);
    }
    if (!(b.get("mimeType") instanceof Value.Text)) {
      throw new InvalidJsonException(path + ".mimeType", "a blob needs a mimeType string", start);
    }
    if (!(b.get("size") instanceof Value.Int)) {
      throw new InvalidJsonException(path + ".size", "a blob needs an integer size", start);
    }
  }

  private static long offset(JsonParser p) {
    return p.currentTokenLocation().getCharOffset();
  }

  /** Writes a value as atproto JSON (map keys in canonical order). */
  public static String write(Value v) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, Value v) throws IOException {
    switch (v.kind()) {
      case NULL:
        g.writeNull();
        break;
      case BOOLEAN:
        g.writeBoolean(((Value.Bool) v).value());
        break;
      case INTEGER:
        g.writeNumber(((Value.Int) v).value());
        break;
      case TEXT:
        g.writeString(((Value.Text) v).value());
        break;
      case BYTES:
        g.writeStartObject();
        g.writeStringField("$bytes", Base64.getEncoder().withoutPadding().encodeToString(((Value.Bytes) v).value()));
        g.writeEndObject();
        break;
      case LINK:
        g.writeStartObject();
        g.writeStringField("$link", ((Value.Link) v).cid().toString());
        g.writeEndObject();
        break;
      case LIST:
        g.writeStartArray();
        for (Value item : ((Value.List) v).values()) {
          write(g, item);
        }
        g.writeEndArray();
        break;
      default:
        g.writeStartObject();
        for (Map.Entry<String, Value> e : ((Value.Map) v).entries().entrySet()) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
    }
  }
}
