package dev.atsync.inverter;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks free 127.0.0.1 ports for child processes (nats-server, caddy, the standalone server).
 * All sockets of one call stay open until every port is chosen: the kernel may otherwise hand
 * the same just-closed ephemeral port out twice, and a server then fails to bind its second
 * listener.
 */
public final class FreePorts {
  private FreePorts() {
  }

  /** {@code n} distinct ports that were free a moment ago. */
  public static int[] take(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
  }
}
