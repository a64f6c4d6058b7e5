package io.tollgate.gateway.auth;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/**
 * Tells every instance at once that a key or a limit changed: the database triggers on
 * {@code gateway.api_keys} and {@code gateway.limits} send {@code NOTIFY tollgate_auth, 'key:<id>'} (or
 * {@code 'limits:<type>:<id>'}) when the change commits, and each instance LISTENs on its own connection
 * and drops what it cached. Measured end to end this takes milliseconds.
 *
 * <p>The caches' one-second time-to-live is the safety net: while this listener is disconnected (it
 * reconnects every second, and clears the caches each time it does) no entry outlives a second anyway.
 */
@Component
public class AuthInvalidation implements SmartLifecycle {
    public static final String CHANNEL = "tollgate_auth";
    private static final Logger log = LoggerFactory.getLogger(AuthInvalidation.class);

    /** A cache that holds what a notification can make stale. */
    public interface Listener {
        void invalidate(String payload);

        void invalidateAll();
    }

    private final DataSourceProperties dataSource;
    private final ObjectProvider<Listener> listeners;
    private volatile boolean running;
    private volatile Connection connection;
    private Thread thread;

    AuthInvalidation(DataSourceProperties dataSource, ObjectProvider<Listener> listeners) {
        this.dataSource = dataSource;
        this.listeners = listeners;
    }

    @Override
    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("auth-invalidation").start(this::listen);
    }

    @Override
    public synchronized void stop() {
        running = false;
        closeQuietly();
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void listen() {
        while (running) {
            try (Connection listening = connect()) {
                connection = listening;
                try (Statement statement = listening.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                // Anything could have changed while nobody listened.
                forEachListener(Listener::invalidateAll);
                PGConnection pg = listening.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(500);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification notification : notifications) {
                        String payload = notification.getParameter();
                        forEachListener(listener -> listener.invalidate(payload));
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    log.warn("lost the {} notification connection, reconnecting in 1 s: {}", CHANNEL, e.toString());
                    forEachListener(Listener::invalidateAll);
                    sleepOneSecond();
                }
            } finally {
                connection = null;
            }
        }
    }

    private Connection connect() throws SQLException {
        Properties properties = new Properties();
        if (dataSource.determineUsername() != null) {
            properties.setProperty("user", dataSource.determineUsername());
        }
        if (dataSource.determinePassword() != null) {
            properties.setProperty("password", dataSource.determinePassword());
        }
        // A dead server must not leave this thread blocked forever on a half-open socket.
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("socketTimeout", "30");
        properties.setProperty("ApplicationName", "tollgate-auth-invalidation");
        return DriverManager.getConnection(dataSource.determineUrl(), properties);
    }

    private void forEachListener(java.util.function.Consumer<Listener> action) {
        List<Listener> all = listeners.orderedStream().toList();
        for (Listener listener : all) {
            try {
                action.accept(listener);
            } catch (RuntimeException e) {
                log.warn("a cache failed to drop its entries: {}", e.toString());
            }
        }
    }

    private void closeQuietly() {
        Connection current = connection;
        if (current != null) {
            try {
                current.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }

    private static void sleepOneSecond() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
