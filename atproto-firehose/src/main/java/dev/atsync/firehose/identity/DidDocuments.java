package dev.atsync.firehose.identity;

import dev.atsync.syntax.Did;
import dev.atsync.syntax.Handle;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atsync.crypto.Curve;
import dev.atsync.crypto.PublicKey;
import dev.atsync.firehose.identity.IdentityException.Kind;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;

/** Extracts the atproto parts of a DID document (atproto.com/specs/did). */
final class DidDocuments {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DidDocuments() {}

  static Identity parse(Did did, byte[] body) {
    JsonNode doc;
    try {
      doc = JSON.readTree(body);
    } catch (IOException e) {
      throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "not JSON: " + e.getMessage(), e);
    }
    if (doc == null || !doc.isObject()) {
      throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "document is not a JSON object");
    }
    JsonNode id = doc.get("id");
    if (id == null || !id.isTextual() || !id.asText().equals(did.value())) {
      throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "document id " + id + " does not match the DID");
    }
    PublicKey key = null;
    for (JsonNode vm : doc.path("verificationMethod")) {
      if (isFragment(did, vm.path("id").asText(""), "#atproto")) {
        key = parseKey(did, vm);
        break;
      }
    }
    if (key == null) {
      throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "no #atproto verification method");
    }
    Optional<URI> pds = Optional.empty();
    for (JsonNode svc : doc.path("service")) {
      if (isFragment(did, svc.path("id").asText(""), "#atproto_pds")
          && "AtprotoPersonalDataServer".equals(svc.path("type").asText())) {
        pds = Optional.of(parseEndpoint(did, svc.path("serviceEndpoint")));
        break;
      }
    }
    Optional<Handle> handle = Optional.empty();
    for (JsonNode aka : doc.path("alsoKnownAs")) {
      String s = aka.asText("");
      if (s.startsWith("at://") && s.length() > 5) {
        // the first at:// entry is the claimed handle; one that is not a valid handle is no handle
        handle = Handle.isValid(s.substring(5)) ? Optional.of(Handle.parse(s.substring(5))) : Optional.empty();
        break;
      }
    }
    return new Identity(did, handle, key, pds);
  }

  private static boolean isFragment(Did did, String id, String fragment) {
    return id.equals(fragment) || id.equals(did.value() + fragment);
  }

  private static PublicKey parseKey(Did did, JsonNode vm) {
    String type = vm.path("type").asText("");
    JsonNode mbNode = vm.get("publicKeyMultibase");
    if (mbNode == null || !mbNode.isTextual()) {
      throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "#atproto method has no publicKeyMultibase");
    }
    String mb = mbNode.asText();
    try {
      switch (type) {
        case "Multikey":
          return PublicKey.fromMultibase(mb);
        case "EcdsaSecp256k1VerificationKey2019":
          return PublicKey.fromLegacyMultibase(Curve.SECP256K1, mb);
        case "EcdsaSecp256r1VerificationKey2019":
          return PublicKey.fromLegacyMultibase(Curve.P256, mb);
        default:
          throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "unsupported key type " + type);
      }
    } catch (RuntimeException e) {
      throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "bad publicKeyMultibase: " + e.getMessage(), e);
    }
  }

  private static URI parseEndpoint(Did did, JsonNode ep) {
    try {
      URI u = new URI(ep.asText(""));
      if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null) {
        throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "PDS endpoint is not an http(s) URL: " + ep);
      }
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new IdentityException(Kind.MALFORMED_DOCUMENT, did, "PDS endpoint is not a URI: " + ep, e);
    }
  }
}
