package io.tollgate.views.period;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * A half-open time range [from, to) and the viewer's time zone, from query parameters: {@code from} and
 * {@code to} are ISO instants ({@code 2026-11-01T00:00:00Z}), offset date-times, or plain dates that
 * start at midnight in {@code tz}; {@code tz} is an IANA zone id (default UTC).
 */
public record Period(Instant from, Instant to, ZoneId zone) {

    public static Period parse(String from, String to, String tz, Duration defaultLength) {
        ZoneId zone = zone(tz);
        Instant end = to == null || to.isBlank() ? Instant.now() : instant(to, zone, "to");
        Instant start = from == null || from.isBlank() ? end.minus(defaultLength) : instant(from, zone, "from");
        if (!start.isBefore(end)) {
            throw badRequest("from must be before to");
        }
        return new Period(start, end, zone);
    }

    /** The period of the same length just before this one, for "change against the previous period". */
    public Period previous() {
        Duration length = Duration.between(from, to);
        return new Period(from.minus(length), from, zone);
    }

    public static ZoneId zone(String tz) {
        if (tz == null || tz.isBlank()) {
            return ZoneId.of("UTC");
        }
        try {
            return ZoneId.of(tz);
        } catch (DateTimeException e) {
            throw badRequest("unknown time zone: " + tz);
        }
    }

    private static Instant instant(String value, ZoneId zone, String name) {
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(zone).toInstant();
            }
            if (value.endsWith("Z")) {
                return Instant.parse(value);
            }
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException noOffset) {
                return LocalDateTime.parse(value).atZone(zone).toInstant();
            }
        } catch (DateTimeParseException e) {
            throw badRequest(name + " is not an ISO date or date-time: " + value);
        }
    }

    public static ResponseStatusException badRequest(String message) {
        return new ResponseStatusException(HttpStatus.BAD_REQUEST, message);
    }
}
