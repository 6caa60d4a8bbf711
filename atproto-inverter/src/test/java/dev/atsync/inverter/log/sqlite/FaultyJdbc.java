package dev.atsync.inverter.log.sqlite;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JDBC connections that fail on command: every statement execution and every commit made while
 * the store's write lock is held (the writing it does for appends, pruning and recovery; not
 * its reads or checkpoints) is a numbered call, and the armed call throws. In {@link Mode#FULL} it
 * first rolls the transaction back inside SQLite, as SQLite itself does on {@code SQLITE_FULL},
 * leaving the connection in autocommit mode while the driver believes a transaction is open.
 */
final class FaultyJdbc {
  enum Mode {
    /** The call fails; the transaction stays open. */
    ERROR,
    /** SQLite rolled the transaction back itself (a full disk), then the call fails. */
    FULL
  }

  private static final Set<String> COUNTED = Set.of("execute", "executeQuery", "executeUpdate", "executeBatch",
      "executeLargeUpdate", "executeLargeBatch", "commit");

  final AtomicInteger calls = new AtomicInteger();
  final List<String> trace = new CopyOnWriteArrayList<>();
  private final AtomicInteger failures = new AtomicInteger();
  private volatile int failFrom = Integer.MAX_VALUE;
  private volatile int failCount;
  private volatile Mode mode = Mode.ERROR;
  /** Whether the calling thread is writing for the store (set once the store is open). */
  volatile java.util.function.BooleanSupplier writing = () -> false;

  /** Fails {@code count} calls starting with the {@code n}th from now (1-based). */
  void arm(int n, int count, Mode m) {
    mode = m;
    failCount = count;
    failFrom = calls.get() + n;
  }

  void disarm() {
    failFrom = Integer.MAX_VALUE;
  }

  int failuresInjected() {
    return failures.get();
  }

  Connection wrap(Connection c) {
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
        handler(c, c));
  }

  private InvocationHandler handler(Object target, Connection raw) {
    return (proxy, method, args) -> {
      String name = method.getName();
      if (COUNTED.contains(name) && writing.getAsBoolean()) {
        int n = calls.incrementAndGet();
        String what = name + (args != null && args.length > 0 && args[0] instanceof String sql ? " " + sql : "");
        trace.add(n + " " + what);
        if (n >= failFrom && n < failFrom + failCount) {
          failures.incrementAndGet();
          if (mode == Mode.FULL) {
            try (Statement s = raw.createStatement()) {
              s.execute("ROLLBACK");
            } catch (SQLException ignored) {
              // no transaction was open
            }
          }
          throw new SQLException("[SQLITE_FULL] injected failure of call " + n + " (" + what + ")", null, 13);
        }
      }
      Object result;
      try {
        result = method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (result instanceof PreparedStatement ps) {
        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {PreparedStatement.class},
            handler(ps, raw));
      }
      if (result instanceof Statement st) {
        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class},
            handler(st, raw));
      }
      return result;
    };
  }
}
