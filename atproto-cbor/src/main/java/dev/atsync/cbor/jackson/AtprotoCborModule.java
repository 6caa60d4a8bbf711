package dev.atsync.cbor.jackson;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import dev.atsync.cbor.DataModelException;
import dev.atsync.cid.Cid;
import java.io.IOException;

/**
 * A Jackson module that maps {@link Cid} to atproto's representations: a CBOR tag-42 link under
 * jackson-dataformat-cbor, an embedded object inside Jackson token buffers and trees (as {@link
 * DagCborMapper} uses), and {@code {"$link": "b..."}} in JSON. Deserialization accepts all three
 * (plus a bare CID string). {@code byte[]} needs no help: Jackson already maps it to CBOR byte
 * strings.
 */
public final class AtprotoCborModule extends SimpleModule {
  private static final long serialVersionUID = 1L;

  /** The module; register it on any {@code ObjectMapper}. */
  public AtprotoCborModule() {
    super("atproto-cbor");
    addSerializer(Cid.class, new CidSerializer());
    addDeserializer(Cid.class, new CidDeserializer());
  }

  static final class CidSerializer extends StdSerializer<Cid> {
    private static final long serialVersionUID = 1L;

    CidSerializer() {
      super(Cid.class);
    }

    @Override
    public void serialize(Cid cid, JsonGenerator gen, SerializerProvider provider) throws IOException {
      if (gen instanceof CBORGenerator) {
        byte[] b = new byte[Cid.BINARY_LENGTH + 1];
        cid.writeTo(b, 1);
        ((CBORGenerator) gen).writeTag(42);
        gen.writeBinary(b);
      } else if (gen instanceof TokenBuffer) {
        gen.writeEmbeddedObject(cid);
      } else {
        gen.writeStartObject();
        gen.writeStringField("$link", cid.toString());
        gen.writeEndObject();
      }
    }
  }

  static final class CidDeserializer extends StdDeserializer<Cid> {
    private static final long serialVersionUID = 1L;

    CidDeserializer() {
      super(Cid.class);
    }

    @Override
    public Cid deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_EMBEDDED_OBJECT) {
          Object o = p.getEmbeddedObject();
          if (o instanceof Cid) {
            return (Cid) o;
          }
          if (o instanceof byte[]) {
            byte[] b = (byte[]) o;
            if (b.length < 1 || b[0] != 0) {
              return (Cid) ctxt.handleWeirdNativeValue(ctxt.constructType(Cid.class), o, p);
            }
            return Cid.decode(b, 1, b.length - 1);
          }
        } else if (t == JsonToken.VALUE_STRING) {
          return Cid.parse(p.getText());
        } else if (t == JsonToken.START_OBJECT) {
          String name = p.nextFieldName();
          if ("$link".equals(name) && p.nextToken() == JsonToken.VALUE_STRING) {
            Cid cid = Cid.parse(p.getText());
            if (p.nextToken() == JsonToken.END_OBJECT) {
              return cid;
            }
          }
        }
        return (Cid) ctxt.handleUnexpectedToken(Cid.class, p);
      } catch (DataModelException e) {
        throw com.fasterxml.jackson.databind.exc.InvalidFormatException.from(
            p, "invalid CID: " + e.getMessage(), null, Cid.class);
      }
    }
  }
}
