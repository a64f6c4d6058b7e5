package io.tollgate.views.projection;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** Only a refusal for the data itself may turn a record into a dead letter; an outage never does. */
class DataRefusalTest {
    @Test
    void dataRefusalsAreIsolatedOutagesAndSchemaTroubleAreRetriedWhole() {
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("invalid byte sequence", "22021"))).isTrue();
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("index row size exceeds", "54000"))).isTrue();
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("duplicate key", "23505"))).isTrue();
        assertThat(ProjectionRunner.refusedForItsData(new IllegalArgumentException("model contains a NUL"))).isTrue();
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("connection refused", "08001"))).isFalse();
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("terminating connection", "57P01"))).isFalse();
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("deadlock detected", "40P01"))).isFalse();
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("relation does not exist", "42P01"))).isFalse();
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("pool timed out"))).isFalse();
        assertThat(ProjectionRunner.refusedForItsData(new SQLException("pool timed out", null,
                new SQLException("connection refused", "08001")))).isFalse();
    }
}
