package dev.atsync.inverter.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writing the listeners' HTTP answers: always JSON (or Prometheus text), never cached. */
final class HttpAnswers {
  static final String JSON = "application/json";

  private HttpAnswers() {}

  /**
   * Writes an answer; closes the connection after it when {@code close}.
   *
   * @param server the {@code Server} header, or {@code null} for none
   * @param head whether the request was {@code HEAD} (headers only)
   */
  static void send(Channel ch, int status, String type, byte[] body, boolean head, boolean close, String server,
      Map<String, String> extra) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (server != null) {
      r.headers().set(HttpHeaderNames.SERVER, server);
    }
    extra.forEach(r.headers()::set);
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }

  /** An XRPC-style error body: {@code {"error": name, "message": text}}. */
  static byte[] xrpcError(String error, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", error);
    m.put("message", message);
    return Json.write(m).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A whole HTTP/1.1 answer as bytes, for refusing a connection before any request is read (the
   * connection limit): the peer reads it if it reads at all, and the connection closes after it.
   */
  static byte[] raw(int status, String reason, byte[] json, String server) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
    if (server != null) {
      sb.append("Server: ").append(server).append("\r\n");
    }
    sb.append("Content-Type: ").append(JSON).append("\r\nContent-Length: ").append(json.length)
        .append("\r\nCache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\n\r\n");
    byte[] head = sb.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[head.length + json.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(json, 0, out, head.length, json.length);
    return out;
  }
}
