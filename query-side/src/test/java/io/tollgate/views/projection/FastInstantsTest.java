package io.tollgate.views.projection;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The fast path reads exactly what Instant.parse reads, and declines everything else. */
class FastInstantsTest {
    @Test
    void agreesWithInstantParseOnEveryPrecisionAndDeclinesOtherShapes() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 250_000_000_000L),
                    switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1_000;
                        default -> random.nextInt(1_000_000_000);
                    });
            String text = instant.toString();
            if (text.length() >= 20 && text.charAt(4) == '-') {
                assertThat(FastInstants.parse(text)).as(text).isEqualTo(Instant.parse(text));
            }
        }
        assertThat(FastInstants.parse("2026-02-29T00:00:00Z")).isNull();
        assertThat(FastInstants.parse("2024-02-29T23:59:59.5Z")).isEqualTo(Instant.parse("2024-02-29T23:59:59.5Z"));
        assertThat(FastInstants.parse("2026-01-01T00:00:00+01:00")).isNull();
        assertThat(FastInstants.parse("2026-01-01T00:00:00.Z")).isNull();
        assertThat(FastInstants.parse("2026-13-01T00:00:00Z")).isNull();
        assertThat(FastInstants.parse("2026-01-01T24:00:00Z")).isNull();
    }
}
