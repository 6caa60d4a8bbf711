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
 * relay client, what a PDS sees: {@link InverterClient#postBatch} on the posting thread, and
 * {@link InverterClient#publish} through the client's worker thread (one hand-off more). Two loads:
 * idle (one post at a time, 5 ms apart) and paced at 100 posts/s; latency is measured from the
 * post's scheduled start, so a slow post delays the clock of the next (no coordinated omission).
 * Then a forwarding PDS: {@code publish} once per event at 1,000 events/s without waiting for the
 * answers ({@link #forwarding}).
 * Each line also gives the server's own timers over the run ({@link StageTimer}: mean and share
 * above 1, 2.5 and 5 ms): from the request body received to the events durable, and of that the
 * log's append (rev rule + commit), so what the network, the threads and the disk each cost, and
 * where a tail comes from, is visible. The ceiling is measured the same
 * way: the bare-socket client against a blocking server that reads the request and answers at
 * once (what the loopback network and two thread wake-ups cost; {@code InverterClient.postBatch}
 * against the same server shows what the client adds, without the disk), and one-row SQLite
 * commits (WAL, {@code synchronous=FULL}, no network) paced like the posts: a durable post costs
 * at least both, so their tails bound the post's.
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
        Poster viaPublish = frame -> client.publish(frame).join();
        List<StageTimer> server = List.of(
            new StageTimer(inv.meterRegistry(), "atsync_inverter_ingest_to_durable", "server: body->durable"),
            new StageTimer(inv.meterRegistry(), "atsync_inverter_store_commit", "of it the log's append"));
        try (EchoServer echo = new EchoServer(); RawPoster toEcho = new RawPoster(echo.port());
            InverterClient echoClient = InverterClient.builder().baseUrl("http://127.0.0.1:" + echo.port())
                .token(TOKEN).build()) {
          Poster clientToEcho = frame -> echoClient.postBatch(List.of(frame));
          run("warm-up", toEcho, 0, 500, null);
          run("warm-up", clientToEcho, 0, 5_000, null);
          run("ceiling: bare socket to an answer-at-once server, idle", toEcho, 5, 600, List.of());
          run("ceiling: the same, 100 posts/s", toEcho, 10, 1_000, List.of());
          // what the client itself costs, without the disk's variance
          run("InverterClient.postBatch to that server, idle", clientToEcho, 5, 600, List.of());
          run("InverterClient.postBatch to that server, 100/s", clientToEcho, 10, 1_000, List.of());
        }
        try (OneRowCommits commit = new OneRowCommits()) {
          run("warm-up", commit, 0, 500, null);
          run("ceiling: one-row SQLite commit (no network), idle", commit, 5, 600, List.of());
          run("ceiling: the same, 100 commits/s", commit, 10, 1_000, List.of());
        }
        // warm-up (JIT, SQLite page cache): long enough that the compiler is done before the
        // measured runs, or its work on the two cores is measured as the server's tail
        run("warm-up", raw, 0, 5_000, null);
        run("warm-up", viaClient, 0, 5_000, null);
        run("warm-up", viaPublish, 0, 5_000, null);
        run("bare socket, idle (one at a time, 5 ms apart)", raw, 5, 600, server);
        run("InverterClient.postBatch, idle", viaClient, 5, 600, server);
        run("InverterClient.publish, idle", viaPublish, 5, 600, server);
        run("bare socket, 100 posts/s", raw, 10, 1_000, server);
        run("InverterClient.postBatch, 100 posts/s", viaClient, 10, 1_000, server);
        run("InverterClient.publish, 100 posts/s", viaPublish, 10, 1_000, server);
        forwarding(client, server);
      }
    }
    System.exit(0);
  }

  interface Poster {
    void post(byte[] frame) throws Exception;
  }

  /**
   * A PDS forwarding its firehose as it happens: {@link InverterClient#publish} called once per
   * event at 1,000 events/s for 10 s, without waiting for the answers (the client coalesces what
   * is queued while a request is in flight). Each event is timed from its schedule to its seq;
   * the server's timer count says how many requests carried them.
   */
  static void forwarding(InverterClient client, List<StageTimer> server) throws Exception {
    int rate = 1_000;
    int n = 10 * rate;
    byte[][] frames = new byte[n][];
    for (int i = 0; i < n; i++) {
      frames[i] = InverterLoad.frame(InverterLoad.did(i % 50), 900).bytes();
    }
    long[] done = new long[n];
    java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(n);
    java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    server.forEach(StageTimer::mark);
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Pacing.until(Pacing.scheduled(start, period, i));
      int k = i;
      client.publish(frames[i]).whenComplete((seq, e) -> {
        done[k] = System.nanoTime();
        if (e != null) {
          failed.incrementAndGet();
        }
        answered.countDown();
      });
    }
    if (!answered.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("not every event was answered within 60 s");
    }
    double seconds = (Arrays.stream(done).max().orElseThrow() - start) / 1e9;
    for (int i = 0; i < n; i++) {
      done[i] -= Pacing.scheduled(start, period, i);
    }
    System.out.printf("InverterClient.publish per event, 1,000 events/s, not waiting: %s; %,.0f events/s stored,"
        + " %d failed (%s)%n", FanoutLoad.percentiles(done), n / seconds, failed.get(),
        server.stream().map(StageTimer::since).collect(java.util.stream.Collectors.joining("; ")));
  }

  /**
   * The disk's share of a post: each frame inserted as one row and committed (a new database, WAL,
   * {@code synchronous=FULL}, as the log's), with no network and no threads around it.
   */
  static final class OneRowCommits implements Poster, AutoCloseable {
    private final java.sql.Connection db = DurableIngestLoad.durableDatabase(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, frame BLOB NOT NULL)");
    private final java.sql.PreparedStatement insert = db.prepareStatement("INSERT INTO events (frame) VALUES (?)");

    OneRowCommits() throws Exception {}

    @Override
    public void post(byte[] frame) throws java.sql.SQLException {
      insert.setBytes(1, frame);
      insert.executeUpdate();
      db.commit();
    }

    /** Inserts the frames as rows, in one transaction. */
    void commit(List<byte[]> frames) throws java.sql.SQLException {
      for (byte[] frame : frames) {
        insert.setBytes(1, frame);
        insert.executeUpdate();
      }
      db.commit();
    }

    @Override
    public void close() throws java.sql.SQLException {
      insert.close();
      db.close();
    }
  }

  static void run(String what, Poster p, long periodMillis, int n, List<StageTimer> server) throws Exception {
    if (server != null) {
      server.forEach(StageTimer::mark);
    }
    long[] lat = new long[n];
    long period = TimeUnit.MILLISECONDS.toNanos(periodMillis);
    long next = System.nanoTime();
    for (int i = 0; i < n; i++) {
      byte[] frame = InverterLoad.frame(InverterLoad.did(i % 50), 900).bytes();
      if (period > 0) {
        Pacing.until(next);
      } else {
        next = System.nanoTime();
      }
      p.post(frame);
      lat[i] = System.nanoTime() - next;
      next += period;
    }
    if (server != null) {
      Arrays.sort(lat);
      System.out.printf("%-50s p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms (%d samples; %s)%n", what,
          lat[n / 2] / 1e6, lat[(int) (n * 0.9)] / 1e6, lat[(int) (n * 0.99)] / 1e6, lat[n - 1] / 1e6, n,
          server.isEmpty() ? "no server timers" : server.stream().map(StageTimer::since)
              .collect(java.util.stream.Collectors.joining("; ")));
    }
  }

  /**
   * The latency ceiling: a thread per connection on a blocking socket that reads each request
   * (head, then Content-Length bytes) and answers {@code 200} with a small body at once.
   */
  static final class EchoServer implements AutoCloseable {
    private final java.net.ServerSocket server = new java.net.ServerSocket(0, 8,
        java.net.InetAddress.getLoopbackAddress());
    private final Thread thread = new Thread(this::serve, "echo-server");

    EchoServer() throws IOException {
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      try {
        while (true) {
          Socket s = server.accept();
          Thread t = new Thread(() -> answer(s), "echo-connection");
          t.setDaemon(true);
          t.start();
        }
      } catch (IOException e) {
        // closed
      }
    }

    private static void answer(Socket socket) {
      byte[] answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"seqs\":[1]}"
          .getBytes(StandardCharsets.US_ASCII);
      try (Socket s = socket) {
        s.setTcpNoDelay(true);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        int filled = 0;
        while (true) {
          int headEnd = RawPoster.indexOf(buf, filled);
          while (headEnd < 0) {
            int r = in.read(buf, filled, buf.length - filled);
            if (r < 0) {
              return;
            }
            filled += r;
            headEnd = RawPoster.indexOf(buf, filled);
          }
          String head = new String(buf, 0, headEnd, StandardCharsets.US_ASCII).toLowerCase();
          int cl = head.indexOf("content-length:");
          int end = head.indexOf('\r', cl);
          int length = Integer.parseInt(head.substring(cl + 15, end < 0 ? head.length() : end).trim());
          int need = headEnd + 4 + length;
          while (filled < need) {
            int r = in.read(buf, filled, buf.length - filled);
            if (r < 0) {
              return;
            }
            filled += r;
          }
          out.write(answer);
          out.flush();
          System.arraycopy(buf, need, buf, 0, filled - need);
          filled -= need;
        }
      } catch (IOException e) {
        // closed
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
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
      int length = Integer.parseInt(head.substring(cl + 15, end < 0 ? head.length() : end).trim());
      int have = filled - headEnd - 4;
      while (have < length) {
        int r = in.read(buf, 0, buf.length);
        if (r < 0) {
          throw new IOException("closed");
        }
        have += r;
      }
    }

    static int indexOf(byte[] b, int n) {
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
