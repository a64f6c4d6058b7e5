package io.tollgate.ledger.processing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.util.UUID;

/**
 * The table {@code ledger.dead_letters}: ledger events that a processor of the command side can never deliver
 * or apply. A row is written in the caller's transaction, the one that also moves the processor past the event,
 * so the two stand or fall together; the counter {@code tollgate.ledger.dead_letters} (tag {@code source}) counts
 * rows once their transaction committed. {@code tollgate audit} reports every row.
 */
public class LedgerDeadLetters implements MeterBinder {
    public static final String METRIC = "tollgate.ledger.dead_letters";
    /** Reasons are exception messages, which may quote the event itself: kept short and printable. */
    private static final int MAX_REASON_LENGTH = 2000;

    private final JdbcTemplate jdbc;
    private volatile MeterRegistry registry;

    public LedgerDeadLetters(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @param source    the processor that gives up on the event
     * @param eventId   the event's id, when it is known
     * @param eventType the event's type name, when it is known
     * @param payload   the record as it would have gone out, or the stored event when it could not be read
     */
    public void record(String source, UUID eventId, String eventType, String reason, byte[] payload) {
        jdbc.update("""
                        insert into ledger.dead_letters (source, event_id, event_type, reason, payload)
                        values (?, ?, ?, ?, ?)""",
                source, eventId, eventType, printable(reason), payload);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    count(source);
                }
            });
        } else {
            count(source);
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
    }

    private void count(String source) {
        MeterRegistry bound = registry;
        if (bound != null) {
            Counter.builder(METRIC)
                    .description("ledger events a command-side processor could not deliver, stored in ledger.dead_letters")
                    .tag("source", source)
                    .register(bound)
                    .increment();
        }
    }

    /** No control characters (a NUL would make PostgreSQL refuse the row itself), at most 2000 characters. */
    static String printable(String reason) {
        String text = reason == null ? "(no reason given)" : reason;
        StringBuilder clean = new StringBuilder(Math.min(text.length(), MAX_REASON_LENGTH));
        text.codePoints().limit(MAX_REASON_LENGTH).forEach(c -> {
            if (Character.isISOControl(c) || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)) {
                clean.append('?');
            } else {
                clean.appendCodePoint(c);
            }
        });
        return clean.toString();
    }

    /** An exception's class and message, and those of its causes, in one line. */
    public static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = failure; cause != null && text.length() < MAX_REASON_LENGTH; cause = cause.getCause()) {
            if (!text.isEmpty()) {
                text.append("; caused by ");
            }
            text.append(cause.getClass().getName());
            if (cause.getMessage() != null) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }
}
