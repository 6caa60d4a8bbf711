package dev.atsync.inverter.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The most connections one listener keeps open. A connection over the limit is answered with a
 * fixed 503 (what it sends is read and dropped, never parsed) and closed half a second later at
 * the latest, so a flood of idle or slow connections costs one small write each and cannot take
 * the place of the peers already served.
 */
final class ConnectionLimit {
  private static final long LINGER_MILLIS = 500;
  private final int max;
  private final byte[] refusal;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  ConnectionLimit(int max, byte[] refusal) {
    this.max = max;
    this.refusal = refusal;
  }

  /**
   * Counts a new connection; {@code false} when it is over the limit, and then it is being
   * refused. Call from the channel initializer, before adding any handler.
   */
  boolean admit(Channel ch) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      refused.incrementAndGet();
      ch.pipeline().addLast(new Refuse());
      return false;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }

  /** Connections refused so far. */
  int refused() {
    return refused.get();
  }

  private final class Refuse extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      ch.writeAndFlush(Unpooled.wrappedBuffer(refusal)).addListener(f -> {
        if (ch instanceof SocketChannel s) {
          s.shutdownOutput();
        }
      });
      ctx.executor().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
