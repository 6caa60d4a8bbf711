package dev.atsync.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atsync.cid.Multibase;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class CryptoInteropTest {

  @TestFactory
  Stream<DynamicTest> signatureFixtures() throws Exception {
    JsonNode all = InteropVectors.read("crypto/signature-fixtures.json");
    assertTrue(all.size() >= 6, "expected several signature fixtures, got " + all.size());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode v : all) {
      tests.add(DynamicTest.dynamicTest(v.get("comment").asText(), () -> checkSignature(v)));
    }
    return tests.stream();
  }

  private static void checkSignature(JsonNode v) {
    byte[] message = Base64.getDecoder().decode(v.get("messageBase64").asText());
    byte[] signature = Base64.getDecoder().decode(v.get("signatureBase64").asText());
    boolean expected = v.get("validSignature").asBoolean();
    Curve curve = Curve.ofJwtAlg(v.get("algorithm").asText()).orElseThrow();
    List<String> tags = new ArrayList<>();
    v.get("tags").forEach(t -> tags.add(t.asText()));
    if (tags.contains("high-s") || tags.contains("der-encoded")) {
      assertFalse(expected, "tagged vectors must be invalid: " + tags);
    }

    PublicKey fromDid = PublicKey.fromDidKey(v.get("publicKeyDid").asText());
    assertEquals(curve, fromDid.curve());
    assertEquals(expected, fromDid.verify(message, signature), "did:key verification");

    PublicKey fromLegacy =
        PublicKey.fromLegacyMultibase(curve, v.get("publicKeyMultibase").asText());
    assertEquals(fromDid, fromLegacy, "both encodings name the same key");
    assertEquals(expected, fromLegacy.verify(message, signature), "legacy multibase verification");
    assertEquals(v.get("publicKeyDid").asText(), fromLegacy.didKey(), "did:key re-encoding");
  }

  @Test
  void w3cDidKeyK256() throws Exception {
    JsonNode all = InteropVectors.read("crypto/w3c_didkey_K256.json");
    assertTrue(all.size() > 0);
    for (JsonNode v : all) {
      byte[] d = HexFormat.of().parseHex(v.get("privateKeyBytesHex").asText());
      PrivateKey key = PrivateKey.fromBytes(Curve.SECP256K1, d);
      String expected = v.get("publicDidKey").asText();
      assertEquals(expected, key.publicKey().didKey());
      assertEquals(key.publicKey(), PublicKey.fromDidKey(expected));
      assertTrue(key.publicKey().verify(new byte[] {1, 2, 3}, key.sign(new byte[] {1, 2, 3})));
    }
  }

  @Test
  void w3cDidKeyP256() throws Exception {
    JsonNode all = InteropVectors.read("crypto/w3c_didkey_P256.json");
    assertTrue(all.size() > 0);
    for (JsonNode v : all) {
      byte[] d = Multibase.decode("z" + v.get("privateKeyBytesBase58").asText());
      PrivateKey key = PrivateKey.fromBytes(Curve.P256, d);
      String expected = v.get("publicDidKey").asText();
      assertEquals(expected, key.publicKey().didKey());
      assertEquals(key.publicKey(), PublicKey.fromDidKey(expected));
    }
  }
}
