package io.tollgate.events.support;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

import java.util.UUID;

/** UUIDv7: time-ordered, so ids sort by creation time and index well. */
public final class EventIds {
    private static final TimeBasedEpochGenerator GENERATOR = Generators.timeBasedEpochGenerator();

    private EventIds() {
    }

    public static UUID next() {
        return GENERATOR.generate();
    }
}
