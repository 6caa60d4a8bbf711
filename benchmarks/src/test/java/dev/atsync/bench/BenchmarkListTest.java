package dev.atsync.bench;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * JMH's annotation processor ran: the generated {@code META-INF/BenchmarkList} names every
 * benchmark class. (javac 23 and newer run no processor that is merely on the class path; the
 * POM names it on the processor path, and this test fails if that stops working.)
 */
class BenchmarkListTest {
  @Test
  void everyBenchmarkClassIsGenerated() throws Exception {
    String list;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
      assertNotNull(in, "META-INF/BenchmarkList was not generated");
      list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String benchmark : new String[] {"cbor.CborBenchmark", "cbor.TypedDecodeBench", "crypto.KeyBenchmark",
        "firehose.FirehoseBenchmark", "inverter.EventLogBenchmark", "inverter.JetStreamLogBenchmark",
        "mst.MstCommitBenchmark"}) {
      assertTrue(list.contains("dev.atsync.bench." + benchmark), benchmark + " in " + list);
    }
  }
}
