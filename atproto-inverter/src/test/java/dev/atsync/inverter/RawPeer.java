package dev.atsync.inverter;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A peer that speaks HTTP/1.1 and WebSocket byte by byte over a plain socket, so tests can send
 * what no well-behaved client would: a header that never ends, a body at one byte per second,
 * fragments that never finish.
 */
public final class RawPeer implements AutoCloseable {
  public final Socket socket;
  public final InputStream in;
  public final OutputStream out;

  private RawPeer(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:{@code port}. */
  public static RawPeer connect(int port) throws IOException {
    Socket s = new Socket();
    s.setSendBufferSize(64 * 1024);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(10_000);
    return new RawPeer(s);
  }

  /** An HTTP answer as read off the wire. */
  public record Answer(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  public void send(String ascii) throws IOException {
    out.write(ascii.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  public void send(byte[] b) throws IOException {
    out.write(b);
    out.flush();
  }

  /** The request head of a WebSocket upgrade of {@code pathAndQuery}. */
  public static String upgrade(String pathAndQuery) {
    return "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  }

  /** Sends an upgrade of {@code pathAndQuery} and reads the answer's head (101 on success). */
  public Answer handshake(String pathAndQuery) throws IOException {
    send(upgrade(pathAndQuery));
    return readAnswer(false);
  }

  /** Reads one HTTP answer; its body too, by Content-Length, unless {@code headOnly}. */
  public Answer readAnswer(boolean headOnly) throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer: " + statusLine);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while (!(l = line()).isEmpty()) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    int status = Integer.parseInt(parts[1]);
    String body = "";
    String len = headers.get("content-length");
    if (!headOnly && status != 101 && len != null) {
      byte[] b = in.readNBytes(Integer.parseInt(len));
      body = new String(b, StandardCharsets.UTF_8);
    }
    return new Answer(status, headers, body);
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    if (c < 0 && b.size() == 0) {
      throw new EOFException("connection closed");
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** A masked client frame (RFC 6455 5.2). */
  public static byte[] frame(boolean fin, int opcode, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
    b.write((fin ? 0x80 : 0) | opcode);
    int n = payload.length;
    if (n < 126) {
      b.write(0x80 | n);
    } else if (n < 65536) {
      b.write(0x80 | 126);
      b.write(n >>> 8);
      b.write(n);
    } else {
      b.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        b.write((int) ((long) n >>> (8 * i)));
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    b.write(mask, 0, 4);
    for (int i = 0; i < n; i++) {
      b.write(payload[i] ^ mask[i & 3]);
    }
    return b.toByteArray();
  }

  /** A server frame as read: its opcode, fin bit and payload. */
  public record WsFrame(boolean fin, int opcode, byte[] payload) {
    /** The status code of a close frame, or -1. */
    public int closeCode() {
      return opcode == 8 && payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
    }
  }

  /** Reads one (unmasked) server frame. */
  public WsFrame readFrame() throws IOException {
    int b0 = in.read();
    int b1 = in.read();
    if (b0 < 0 || b1 < 0) {
      throw new EOFException("connection closed");
    }
    long n = b1 & 0x7f;
    if (n == 126) {
      n = ((in.read() & 0xff) << 8) | (in.read() & 0xff);
    } else if (n == 127) {
      n = 0;
      for (int i = 0; i < 8; i++) {
        n = (n << 8) | (in.read() & 0xff);
      }
    }
    byte[] p = in.readNBytes((int) n);
    if (p.length != n) {
      throw new EOFException("connection closed in a frame");
    }
    return new WsFrame((b0 & 0x80) != 0, b0 & 0x0f, p);
  }

  /**
   * Reads until the server closes the connection or sends a close frame, within {@code millis};
   * the close frame's code, 0 for a plain close, or -2 when still open at the deadline.
   */
  public int awaitClose(long millis) throws IOException {
    long deadline = System.currentTimeMillis() + millis;
    socket.setSoTimeout(100);
    try {
      while (System.currentTimeMillis() < deadline) {
        try {
          int b0 = in.read();
          if (b0 < 0) {
            return 0;
          }
          // a frame: read the rest of it
          int b1 = in.read();
          if (b1 < 0) {
            return 0;
          }
          long n = b1 & 0x7f;
          if (n == 126) {
            n = ((in.read() & 0xff) << 8) | (in.read() & 0xff);
          } else if (n == 127) {
            n = 0;
            for (int i = 0; i < 8; i++) {
              n = (n << 8) | (in.read() & 0xff);
            }
          }
          byte[] p = in.readNBytes((int) Math.min(n, 1 << 20));
          if ((b0 & 0x0f) == 8) {
            return p.length >= 2 ? ((p[0] & 0xff) << 8) | (p[1] & 0xff) : 1005;
          }
        } catch (SocketTimeoutException e) {
          // keep waiting
        } catch (IOException e) {
          return 0; // reset: closed
        }
      }
      return -2;
    } finally {
      socket.setSoTimeout(10_000);
    }
  }

  /** Whether the server has closed the connection (reads EOF or a reset within {@code millis}). */
  public boolean closedWithin(long millis) throws IOException {
    long deadline = System.currentTimeMillis() + millis;
    socket.setSoTimeout(50);
    try {
      while (System.currentTimeMillis() < deadline) {
        try {
          if (in.read() < 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          // still open
        } catch (IOException e) {
          return true;
        }
      }
      return false;
    } finally {
      socket.setSoTimeout(10_000);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closed
    }
  }
}
