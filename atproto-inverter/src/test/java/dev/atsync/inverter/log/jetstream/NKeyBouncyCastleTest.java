package dev.atsync.inverter.log.jetstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atsync.inverter.FreePorts;
import dev.atsync.inverter.log.JetStreamNatsCluster;
import io.nats.client.AuthHandler;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build keeps one BouncyCastle: jnats's own {@code bcprov-lts8on} is excluded and its NKeys
 * (Ed25519) run on atproto-mst's {@code bcprov-jdk18on}. A client signs in to a real nats-server
 * that accepts only that NKey, and a message goes round.
 */
class NKeyBouncyCastleTest {
  @TempDir
  Path dir;

  @Test
  void oneBouncyCastleOnTheClassPath() throws Exception {
    List<URL> signers = Collections.list(getClass().getClassLoader()
        .getResources("org/bouncycastle/crypto/signers/Ed25519Signer.class"));
    assertEquals(1, signers.size(), "one copy of Ed25519Signer: " + signers);
    assertTrue(signers.get(0).toString().contains("bcprov-jdk18on"), signers.get(0).toString());
  }

  @Test
  void nkeySignInWorksOnBcprovJdk18on() throws Exception {
    JetStreamNatsCluster.assumeInstalled();
    NKey user = NKey.createUser(null);
    String publicKey = new String(user.getPublicKey());
    char[] seed = user.getSeed();
    // a signature made here verifies with the public key alone
    byte[] nonce = "nonce".getBytes(StandardCharsets.UTF_8);
    assertTrue(NKey.fromPublicKey(publicKey.toCharArray()).verify(nonce, user.sign(nonce)));

    int port = FreePorts.take(1)[0];
    Path conf = dir.resolve("nats.conf");
    Files.writeString(conf, "listen: 127.0.0.1:" + port + "\n"
        + "authorization { users = [ { nkey: " + publicKey + " } ] }\n");
    Process server = new ProcessBuilder("nats-server", "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nats.log").toFile()).start();
    try {
      AuthHandler auth = new AuthHandler() {
        @Override
        public byte[] sign(byte[] serverNonce) {
          try {
            return NKey.fromSeed(seed).sign(serverNonce);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }

        @Override
        public char[] getID() {
          return publicKey.toCharArray();
        }

        @Override
        public char[] getJWT() {
          return null;
        }
      };
      Options options = Options.builder().server("nats://127.0.0.1:" + port).authHandler(auth)
          .connectionTimeout(Duration.ofSeconds(5)).maxReconnects(0).build();
      Connection connection = connect(options, server);
      try {
        Subscription sub = connection.subscribe("atsync.nkey");
        connection.publish("atsync.nkey", "hello".getBytes(StandardCharsets.UTF_8));
        Message m = sub.nextMessage(Duration.ofSeconds(5));
        assertEquals("hello", new String(m.getData(), StandardCharsets.UTF_8));
      } finally {
        connection.close();
      }
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Connects once the server listens (it takes a moment to start). */
  private Connection connect(Options options, Process server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return Nats.connect(options);
      } catch (java.io.IOException e) {
        if (!server.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("no connection: " + Files.readString(dir.resolve("nats.log")), e);
        }
        Thread.sleep(100);
      }
    }
  }
}
