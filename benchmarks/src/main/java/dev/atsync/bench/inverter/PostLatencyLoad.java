package dev.atsync.bench.inverter;

import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import dev.atsync.inverter.log.EventLog;
import dev.atsync.relay.ingest.InverterClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Latency of single-frame {@code POST /events} against the ingest listener (SQLite log,
 * {@code synchronous=FULL}), over one keep-alive connection, with two clients: a bare socket that
 * writes the request in one write with {@code TCP_NODELAY} (what the server costs), and the
 * relay client's {@link InverterClient#postBatch} (the JDK HttpClient, what a PDS sees). Two loads:
 * idle (one post at a time, 5 ms apart) and paced at 100 posts/s; latency is measured from the
 * post's scheduled start, so a slow post delays the clock of the next (no coordinated omission).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.atsync.bench.inverter.PostLatencyLoad</pre>
 */
public final class PostLatencyLoad {
  private static final String TOKEN = "bench-token-0123456789";

  private PostLatencyLoad() {}

  public static void main(String[] args) throws Exception {
    System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " cpus");
    try (Inverter inv = Inverter.builder().log(InverterLoad.log()).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .ingestAddress(new InetSocketAddress("127.0.0.1", 0)).ingestTokens(List.of(TOKEN)).check(EventCheck.NONE)
        .build().start()) {
      int port = inv.ingestPort().orElseThrow();
      try (RawPoster raw = new RawPoster(port);
          InverterClient client = InverterClient.builder().baseUrl("http://127.0.0.1:" + port).token(TOKEN).build()) {
        Poster viaClient = frame -> client.postBatch(List.of(frame));
        // warm-up (JIT, SQLite page cache)
        run("warm-up", raw, 0, 500, false);
        run("warm-up", viaClient, 0, 500, false);
        run("bare socket, idle (one at a time, 5 ms apart)", raw, 5, 600, true);
        run("InverterClient, idle (one at a time, 5 ms apart)", viaClient, 5, 600, true);
        run("bare socket, 100 posts/s", raw, 10, 1_000, true);
        run("InverterClient, 100 posts/s", viaClient, 10, 1_000, true);
      }
    }
    System.exit(0);
  }

  interface Poster {
    void post(byte[] frame) throws Exception;
  }

  static void run(String what, Poster p, long periodMillis, int n, boolean print) throws Exception {
    long[] lat = new long[n];
    long period = TimeUnit.MILLISECONDS.toNanos(periodMillis);
    long next = System.nanoTime();
    for (int i = 0; i < n; i++) {
      byte[] frame = InverterLoad.frame(InverterLoad.did(i % 50), 900).bytes();
      if (period > 0) {
        while (System.nanoTime() < next) {
          long left = next - System.nanoTime();
          if (left > 200_000) {
            Thread.sleep(0, 100_000);
          } else {
            Thread.onSpinWait();
          }
        }
      } else {
        next = System.nanoTime();
      }
      p.post(frame);
      lat[i] = System.nanoTime() - next;
      next += period;
    }
    if (print) {
      Arrays.sort(lat);
      System.out.printf("%-50s p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms (%d posts)%n", what,
          lat[n / 2] / 1e6, lat[(int) (n * 0.9)] / 1e6, lat[(int) (n * 0.99)] / 1e6, lat[n - 1] / 1e6, n);
    }
  }

  /** A keep-alive HTTP/1.1 client over one socket: each request in one write, TCP_NODELAY set. */
  static final class RawPoster implements Poster, AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];

    RawPoster(int port) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port));
      out = socket.getOutputStream();
      in = socket.getInputStream();
    }

    @Override
    public void post(byte[] frame) throws IOException {
      ByteArrayOutputStream req = new ByteArrayOutputStream(frame.length + 256);
      req.writeBytes(("POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
          + "\r\nContent-Type: application/vnd.ipld.dag-cbor\r\nContent-Length: " + frame.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      req.writeBytes(frame);
      out.write(req.toByteArray());
      out.flush();
      // read the head, then exactly Content-Length bytes of body
      int filled = 0;
      int headEnd = -1;
      while (headEnd < 0) {
        int r = in.read(buf, filled, buf.length - filled);
        if (r < 0) {
          throw new IOException("closed");
        }
        filled += r;
        headEnd = indexOf(buf, filled);
      }
      String head = new String(buf, 0, headEnd, StandardCharsets.US_ASCII);
      if (!head.startsWith("HTTP/1.1 200")) {
        throw new IOException("refused: " + head);
      }
      int cl = head.toLowerCase().indexOf("content-length:");
      int end = head.indexOf('\r', cl);
      int length = Integer.parseInt(head.substring(cl + 15, end).trim());
      int have = filled - headEnd - 4;
      while (have < length) {
        int r = in.read(buf, 0, buf.length);
        if (r < 0) {
          throw new IOException("closed");
        }
        have += r;
      }
    }

    private static int indexOf(byte[] b, int n) {
      for (int i = 0; i + 3 < n; i++) {
        if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
          return i;
        }
      }
      return -1;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
