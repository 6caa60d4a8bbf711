package dev.atsync.cbor.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.atsync.cbor.CborReader;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cbor.Value;
import dev.atsync.cid.Cid;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Converts between the atproto JSON representation and {@link Value}: {@code {"$link": cid}}
 * objects become {@link Value.Link}, {@code {"$bytes": base64}} objects (standard alphabet, no
 * padding) become {@link Value.Bytes}, and everything else maps one to one.
 *
 * <p>Parsing validates the data model as it goes (schema-less, per the atproto data-model spec):
 * no floats (an integral number written with a fraction or exponent, such as {@code 123.0}, is
 * accepted as that integer, as the interop vectors require), integers within signed 64 bits, no
 * duplicate keys, {@code $link} and {@code $bytes} objects with exactly one well-formed member,
 * {@code $type} a non-empty string wherever it appears, and blobs ({@code $type: "blob"}) with a
 * {@code ref} link, a {@code mimeType} string and an integer {@code size}. Nesting is limited to
 * {@link CborReader#DEFAULT_MAX_DEPTH}. Every problem is a {@link JsonDataException} naming its
 * JSON path.
 */
public final class AtprotoJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(CborReader.DEFAULT_MAX_DEPTH + 1)
          .maxNumberLength(1000)
          .build())
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private AtprotoJson() {}

  /** Parses one JSON value (any kind at the top) into a {@link Value}. */
  public static Value parse(String json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      return parseWhole(p);
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** Parses UTF-8 JSON bytes into a {@link Value}. */
  public static Value parse(byte[] json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      return parseWhole(p);
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /**
   * Parses and validates a record: the top level must be a JSON object.
   *
   * @throws JsonDataException if not an object or anything inside breaks the data model
   */
  public static Value.Map parseObject(String json) {
    Value v = parse(json);
    if (!(v instanceof Value.Map)) {
      throw new JsonDataException("top level must be an object, found " + v.kind(), "$", 0);
    }
    return (Value.Map) v;
  }

  /** The compact atproto JSON of {@code value}. */
  public static String write(Value value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      writeValue(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static Value parseWhole(JsonParser p) throws IOException {
    if (p.nextToken() == null) {
      throw new JsonDataException("empty JSON input", "$", 0);
    }
    Value v = read(p, "$", 0);
    if (p.nextToken() != null) {
      throw new JsonDataException("content after the top-level value", "$", offset(p));
    }
    return v;
  }

  private static Value read(JsonParser p, String path, int depth) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case VALUE_NULL:
        return Value.NULL;
      case VALUE_TRUE:
        return Value.TRUE;
      case VALUE_FALSE:
        return Value.FALSE;
      case VALUE_STRING:
        return Value.of(p.getText());
      case VALUE_NUMBER_INT:
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw new JsonDataException("integer outside the signed 64-bit range", path, offset(p));
        }
        return Value.of(p.getLongValue());
      case VALUE_NUMBER_FLOAT:
        return Value.of(integralFloat(p, path));
      case START_ARRAY: {
        requireDepth(depth, path, p);
        ArrayList<Value> items = new ArrayList<>();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(read(p, path + "[" + i + "]", depth + 1));
          i++;
        }
        return new Value.List(items);
      }
      case START_OBJECT: {
        requireDepth(depth, path, p);
        long start = offset(p);
        LinkedHashMap<String, Value> entries = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          p.nextToken();
          entries.put(key, read(p, path + "." + key, depth + 1));
        }
        return objectValue(entries, path, start);
      }
      default:
        throw new JsonDataException("unexpected JSON token " + t, path, offset(p));
    }
  }

  private static long integralFloat(JsonParser p, String path) throws IOException {
    BigDecimal d = p.getDecimalValue();
    // bound the digits before any exact conversion: 1e999999999 must not allocate
    if (d.signum() != 0 && d.precision() - d.scale() > 19) {
      throw new JsonDataException("number outside the signed 64-bit integer range", path, offset(p));
    }
    try {
      return d.longValueExact();
    } catch (ArithmeticException e) {
      throw new JsonDataException(
          "floating-point number " + p.getText() + " (the data model has integers only)", path, offset(p));
    }
  }

  private static Value objectValue(Map<String, Value> entries, String path, long offset) {
    Value link = entries.get("$link");
    if (link != null) {
      if (entries.size() != 1) {
        throw new JsonDataException("$link object must have no other fields", path, offset);
      }
      if (!(link instanceof Value.Text)) {
        throw new JsonDataException("$link must be a string", path + ".$link", offset);
      }
      try {
        return Value.of(Cid.parse(((Value.Text) link).value()));
      } catch (DataModelException e) {
        throw new JsonDataException("$link is not a valid CID: " + e.getMessage(), path + ".$link", offset);
      }
    }
    Value bytes = entries.get("$bytes");
    if (bytes != null) {
      if (entries.size() != 1) {
        throw new JsonDataException("$bytes object must have no other fields", path, offset);
      }
      if (!(bytes instanceof Value.Text)) {
        throw new JsonDataException("$bytes must be a string", path + ".$bytes", offset);
      }
      String b64 = ((Value.Text) bytes).value();
      if (b64.indexOf('=') >= 0) {
        throw new JsonDataException("$bytes must be base64 without padding", path + ".$bytes", offset);
      }
      try {
        return new Value.Bytes(Base64.getDecoder().decode(b64));
      } catch (IllegalArgumentException e) {
        throw new JsonDataException("$bytes is not valid base64: " + e.getMessage(), path + ".$bytes", offset);
      }
    }
    Value type = entries.get("$type");
    if (type != null) {
      if (!(type instanceof Value.Text) || ((Value.Text) type).value().isEmpty()) {
        throw new JsonDataException("$type must be a non-empty string", path + ".$type", offset);
      }
      if (((Value.Text) type).value().equals("blob")) {
        requireBlob(entries, path, offset);
      }
    }
    return new Value.Map(entries);
  }

  private static void requireBlob(Map<String, Value> e, String path, long offset) {
    if (!(e.get("ref") instanceof Value.Link)) {
      throw new JsonDataException("blob needs a ref link", path + ".ref", offset);
    }
    if (!(e.get("mimeType") instanceof Value.Text)) {
      throw new JsonDataException("blob needs a mimeType string", path + ".mimeType", offset);
    }
    Value size = e.get("size");
    if (!(size instanceof Value.Int) || ((Value.Int) size).value() < 0) {
      throw new JsonDataException("blob needs a non-negative integer size", path + ".size", offset);
    }
  }

  private static void requireDepth(int depth, String path, JsonParser p) {
    if (depth >= CborReader.DEFAULT_MAX_DEPTH) {
      throw new JsonDataException("nesting deeper than " + CborReader.DEFAULT_MAX_DEPTH, path, offset(p));
    }
  }

  private static void writeValue(JsonGenerator g, Value v) throws IOException {
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
        g.writeStringField("$bytes",
            Base64.getEncoder().withoutPadding().encodeToString(((Value.Bytes) v).value()));
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
          writeValue(g, item);
        }
        g.writeEndArray();
        break;
      case MAP:
        g.writeStartObject();
        for (Map.Entry<String, Value> e : ((Value.Map) v).entries().entrySet()) {
          g.writeFieldName(e.getKey());
          writeValue(g, e.getValue());
        }
        g.writeEndObject();
        break;
      default:
        throw new AssertionError(v.kind());
    }
  }

  private static long offset(JsonParser p) {
    return p.currentTokenLocation().getCharOffset();
  }

  private static JsonDataException malformed(IOException e) {
    long off = -1;
    if (e instanceof JsonProcessingException && ((JsonProcessingException) e).getLocation() != null) {
      off = ((JsonProcessingException) e).getLocation().getCharOffset();
    }
    return new JsonDataException("malformed JSON: " + ((e instanceof JsonProcessingException)
        ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage()), "$", off);
  }
}
