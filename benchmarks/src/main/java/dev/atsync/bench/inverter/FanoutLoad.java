package dev.atsync.bench.inverter;

import dev.atsync.firehose.Frame;
import dev.atsync.inverter.EventCheck;
import dev.atsync.inverter.Inverter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fan-out from the inverter's public listener to many subscribers, beside a bare-socket ceiling
 * measured the same way in one run. The subscribers are one client thread with a selector that
 * parses WebSocket frame headers and counts frames (no decoding), so 1,000 subscribers cost no
 * threads; the i-th frame a subscriber receives is the i-th event published after it connected,
 * which gives post-to-delivery latency without decoding.
 *
 * <ul>
 *   <li>deliveries/s: 2,000,000 deliveries of 1 KB events (20,000 events to 100 subscribers, 2,000
 *       to 1,000), published in-process in batches of 100 into the SQLite log; heap after GC
 *       before and after;
 *   <li>ceiling: a bare NIO server writing the same pre-encoded WebSocket frames to the same client
 *       (the whole stream per socket, as large writes as the socket takes);
 *   <li>latency: 1,000 events/s for 16 s to 100 subscribers ({@code latency=N}: to N), from each
 *       event's scheduled time to its receipt (the first 6 s dropped as warm-up). The publisher
 *       takes every event that came due in one call, as a coalescing client does
 *       ({@link Pacing#inBatches}), so a stall's wait counts for every event it held back. With the
 *       server's own stages over the measured part ({@link StageTimer}): the log's append, and from
 *       the ack to the write to each socket. Beside it, its ceiling, paced the same way for as
 *       long: the same frames committed as rows into a bare SQLite table (WAL,
 *       {@code synchronous=FULL}), since each event's delivery waits for its commit.
 * </ul>
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.atsync.bench.inverter.FanoutLoad [100 1000 ceiling latency latency=N]</pre>
 */
public final class FanoutLoad {
  private static final int DELIVERIES = 2_000_000;
  private static final int LATENCY_WARM_UP_SECONDS = 6;
  private static final int LATENCY_SECONDS = 10;

  private FanoutLoad() {}

  public static void main(String[] args) throws Exception {
    System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " cpus");
    List<String> what = args.length == 0 ? List.of("ceiling", "100", "1000", "latency") : List.of(args);
    for (String w : what) {
      switch (w) {
        case "ceiling" -> {
          ceiling(100);
          ceiling(1000);
        }
        case "latency" -> latency(100);
        default -> {
          if (w.startsWith("latency=")) {
            latency(Integer.parseInt(w.substring("latency=".length())));
          } else {
            deliveries(Integer.parseInt(w));
          }
        }
      }
    }
    System.exit(0);
  }

  static Inverter inverter() throws Exception {
    return Inverter.builder().log(InverterLoad.log()).publicAddress(new InetSocketAddress("127.0.0.1", 0))
        .inProcessIngestOnly().check(EventCheck.NONE).maxSubscribers(2000).build().start();
  }

  static void deliveries(int subs) throws Exception {
    int events = DELIVERIES / subs;
    try (Inverter inv = inverter(); Subscribers clients = new Subscribers(inv.publicPort(), subs, events)) {
      long heapBefore = InverterLoad.usedAfterGc();
      long start = System.nanoTime();
      for (int b = 0; b < events / 100; b++) {
        List<Frame> batch = new ArrayList<>(100);
        for (int i = 0; i < 100; i++) {
          batch.add(InverterLoad.frame(InverterLoad.did(i), 900));
        }
        inv.publish(batch);
      }
      clients.await(TimeUnit.SECONDS.toNanos(120));
      double secs = (System.nanoTime() - start) / 1e9;
      long heapAfter = InverterLoad.usedAfterGc();
      System.out.printf("inverter fan-out, %4d subscribers x %,6d x 1 KB: %,10.0f deliveries/s (%.2f s),"
          + " heap after GC %+.1f MB%n", subs, events, clients.total() / secs, secs, (heapAfter - heapBefore) / 1e6);
    }
  }

  /** A WebSocket binary frame as a server sends it (unmasked). */
  static byte[] wsFrame(byte[] payload) {
    int n = payload.length;
    int head = n < 126 ? 2 : n < 65536 ? 4 : 10;
    byte[] out = new byte[head + n];
    out[0] = (byte) 0x82;
    if (n < 126) {
      out[1] = (byte) n;
    } else if (n < 65536) {
      out[1] = 126;
      out[2] = (byte) (n >>> 8);
      out[3] = (byte) n;
    } else {
      out[1] = 127;
      for (int i = 0; i < 8; i++) {
        out[2 + i] = (byte) (((long) n) >>> (56 - 8 * i));
      }
    }
    System.arraycopy(payload, 0, out, head, n);
    return out;
  }

  /** A bare NIO server: every subscriber gets the same pre-encoded frames, in writes as large as its socket takes. */
  static void ceiling(int subs) throws Exception {
    int events = DELIVERIES / subs;
    byte[] one = wsFrame(InverterLoad.frame(InverterLoad.did(1), 900).withSeq(1).bytes());
    ByteBuffer stream = ByteBuffer.allocateDirect(one.length * events);
    for (int i = 0; i < events; i++) {
      stream.put(one);
    }
    stream.flip();
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      AtomicBoolean go = new AtomicBoolean();
      Thread t = new Thread(() -> {
        try (Selector sel = Selector.open()) {
          List<SocketChannel> accepted = new ArrayList<>();
          while (accepted.size() < subs) {
            SocketChannel c = server.accept();
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer req = ByteBuffer.allocate(1024);
            while (true) {
              c.read(req);
              String s = new String(req.array(), 0, req.position(), StandardCharsets.US_ASCII);
              if (s.contains("\r\n\r\n")) {
                break;
              }
            }
            ByteBuffer resp = ByteBuffer.wrap(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            while (resp.hasRemaining()) {
              c.write(resp);
            }
            c.configureBlocking(false);
            c.register(sel, SelectionKey.OP_WRITE, stream.duplicate());
            accepted.add(c);
          }
          while (!go.get()) {
            Thread.onSpinWait();
          }
          int left = subs;
          while (left > 0) {
            sel.select();
            for (SelectionKey k : sel.selectedKeys()) {
              ByteBuffer b = (ByteBuffer) k.attachment();
              ((SocketChannel) k.channel()).write(b);
              if (!b.hasRemaining()) {
                k.cancel();
                left--;
              }
            }
            sel.selectedKeys().clear();
          }
          Thread.sleep(60_000);
        } catch (IOException e) {
          throw new RuntimeException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "ceiling-server");
      t.setDaemon(true);
      t.start();
      try (Subscribers clients = new Subscribers(port, subs, events)) {
        long start = System.nanoTime();
        go.set(true);
        clients.await(TimeUnit.SECONDS.toNanos(120));
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("ceiling: bare NIO fan-out, %4d subscribers x %,6d: %,10.0f deliveries/s (%.2f s)%n", subs,
            events, clients.total() / secs, secs);
      }
      t.interrupt();
    }
  }

  static void latency(int subs) throws Exception {
    int rate = 1_000;
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    // the first seconds are dropped: in a short run the JIT compiler still takes a core, and its
    // pauses would be measured as the server's tail
    int warmUp = LATENCY_WARM_UP_SECONDS * rate;
    int total = warmUp + LATENCY_SECONDS * rate;
    List<Frame> frames = new ArrayList<>(total);
    for (int i = 0; i < total; i++) {
      frames.add(InverterLoad.frame(InverterLoad.did(i % 50), 900));
    }
    // the disk's share, measured the same way first: the events' frames committed as rows, each
    // commit taking what came due meanwhile, as the inverter's log does
    try (PostLatencyLoad.OneRowCommits commits = new PostLatencyLoad.OneRowCommits()) {
      int n = LATENCY_SECONDS * rate;
      long[] done = new long[n];
      PostLatencyLoad.run("warm-up", commits, 0, 2_000, null);
      InverterLoad.usedAfterGc();
      long start = System.nanoTime();
      Pacing.inBatches(start, period, n, (from, to) -> {
        List<byte[]> rows = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
          rows.add(frames.get(i).bytes());
        }
        commits.commit(rows);
        Arrays.fill(done, from, to, System.nanoTime());
      });
      for (int i = 0; i < n; i++) {
        done[i] -= Pacing.scheduled(start, period, i);
      }
      System.out.println("ceiling: SQLite commits of the same frames, 1,000/s: " + percentiles(done));
    }
    try (Inverter inv = inverter(); Subscribers clients = new Subscribers(inv.publicPort(), subs, total)) {
      clients.recordArrivals(total);
      List<StageTimer> server = List.of(
          new StageTimer(inv.meterRegistry(), "atsync_inverter_store_commit", "server: the log's append"),
          new StageTimer(inv.meterRegistry(), "atsync_inverter_post_to_delivery", "ack->socket write"));
      // the driver's own arrays (the frames, and the arrival times: about 30 MB at 100
      // subscribers) go to the old generation now; left young, each young collection in the run
      // would copy them, and its pause (13-47 ms here) would be measured as the server's
      InverterLoad.usedAfterGc();
      long start = System.nanoTime();
      Pacing.inBatches(start, period, total, (from, to) -> {
        if (from <= warmUp && warmUp < to) {
          server.forEach(StageTimer::mark);
        }
        List<Frame> due = new ArrayList<>(frames.subList(from, to));
        // a published frame keeps its decoded event: dropped here, so the driver does not hold
        // every event of the run (2 KB each) for the young collections to copy
        Collections.fill(frames.subList(from, to), null);
        inv.publish(due);
      });
      clients.await(TimeUnit.SECONDS.toNanos(30));
      long[] lat = new long[(total - warmUp) * subs];
      int k = 0;
      for (int s = 0; s < subs; s++) {
        for (int i = warmUp; i < total; i++) {
          lat[k++] = clients.arrivals[s][i] - Pacing.scheduled(start, period, i);
        }
      }
      System.out.printf("inverter post-to-delivery, 1,000 events/s, %d subscribers: %s%n", subs, percentiles(lat));
      server.forEach(t -> System.out.println("  " + t.since()));
    }
  }

  /** p50, p90, p99 and max of latencies in nanoseconds (sorts them). */
  static String percentiles(long[] nanos) {
    Arrays.sort(nanos);
    int n = nanos.length;
    return String.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (%,d samples)", nanos[n / 2] / 1e6,
        nanos[(int) (n * 0.9)] / 1e6, nanos[(int) (n * 0.99)] / 1e6, nanos[n - 1] / 1e6, n);
  }

  /** Many WebSocket subscribers on one client thread: counts binary frames by parsing their headers. */
  static final class Subscribers implements AutoCloseable {
    final int n;
    final int expected;
    final SocketChannel[] channels;
    final long[] counts;
    final Thread thread;
    long[][] arrivals;
    volatile boolean done;
    volatile boolean running = true;

    Subscribers(int port, int n, int expected) throws IOException {
      this.n = n;
      this.expected = expected;
      this.channels = new SocketChannel[n];
      this.counts = new long[n];
      Selector sel = Selector.open();
      byte[] req = ("GET /xrpc/com.atproto.sync.subscribeRepos HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < n; i++) {
        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.write(ByteBuffer.wrap(req));
        // read the 101 head byte by byte, so no frame byte is taken with it
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
          one.clear();
          if (c.read(one) < 0) {
            throw new IOException("closed during handshake");
          }
          head.append((char) one.get(0));
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
          throw new IOException("handshake refused: " + head);
        }
        c.configureBlocking(false);
        c.register(sel, SelectionKey.OP_READ, new Parser(i));
        channels[i] = c;
      }
      thread = new Thread(() -> loop(sel), "subscribers");
      thread.setDaemon(true);
      thread.start();
    }

    void recordArrivals(int events) {
      arrivals = new long[n][events];
    }

    /** Per-connection frame parser state. */
    final class Parser {
      final int index;
      final byte[] head = new byte[10];
      int headHave;
      int headNeed = 2;
      long payloadLeft;
      boolean inPayload;

      Parser(int index) {
        this.index = index;
      }

      void feed(ByteBuffer b) {
        while (b.hasRemaining()) {
          if (inPayload) {
            int take = (int) Math.min(payloadLeft, b.remaining());
            b.position(b.position() + take);
            payloadLeft -= take;
            if (payloadLeft == 0) {
              inPayload = false;
              frameDone();
            }
            continue;
          }
          head[headHave++] = b.get();
          if (headHave == 2) {
            int l = head[1] & 0x7f;
            headNeed = l < 126 ? 2 : l == 126 ? 4 : 10;
          }
          if (headHave == headNeed) {
            int l = head[1] & 0x7f;
            long len;
            if (l < 126) {
              len = l;
            } else if (l == 126) {
              len = ((head[2] & 0xff) << 8) | (head[3] & 0xff);
            } else {
              len = 0;
              for (int i = 2; i < 10; i++) {
                len = (len << 8) | (head[i] & 0xff);
              }
            }
            headHave = 0;
            headNeed = 2;
            countNext = (head[0] & 0x0f) == 2; // binary frames are counted, control frames skipped
            payloadLeft = len;
            inPayload = len > 0;
            if (len == 0) {
              frameDone();
            }
          }
        }
      }

      boolean countNext;

      void frameDone() {
        if (!countNext) {
          return;
        }
        long c = counts[index]++;
        if (arrivals != null && c < arrivals[index].length) {
          arrivals[index][(int) c] = System.nanoTime();
        }
      }
    }

    private void loop(Selector sel) {
      ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
      try {
        while (running) {
          sel.select(100);
          for (SelectionKey k : sel.selectedKeys()) {
            SocketChannel c = (SocketChannel) k.channel();
            buf.clear();
            int r = c.read(buf);
            if (r < 0) {
              k.cancel();
              continue;
            }
            buf.flip();
            ((Parser) k.attachment()).feed(buf);
          }
          sel.selectedKeys().clear();
          if (!done) {
            boolean all = true;
            for (long c : counts) {
              if (c < expected) {
                all = false;
                break;
              }
            }
            done = all;
          }
        }
      } catch (IOException e) {
        throw new RuntimeException(e);
      } finally {
        try {
          sel.close();
        } catch (IOException e) {
          // done
        }
      }
    }

    void await(long nanos) throws InterruptedException {
      long deadline = System.nanoTime() + nanos;
      while (!done && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      if (!done) {
        System.out.println("  (timed out: " + total() + " of " + (long) n * expected + " delivered)");
      }
    }

    long total() {
      long t = 0;
      for (long c : counts) {
        t += c;
      }
      return t;
    }

    @Override
    public void close() throws Exception {
      running = false;
      thread.join(2000);
      for (SocketChannel c : channels) {
        if (c != null) {
          c.close();
        }
      }
    }
  }
}
