package io.tollgate.gateway.auth;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tollgate.gateway.testing.TestIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14 item 3: JWTs fail closed. Without an issuer and audiences to compare tokens with the gateway does
 * not start, unless the operator gives the check up by name; what is not checked is logged at start-up.
 * Tokens are verified against the loopback JWK set of {@link TestIdentity}.
 */
class JwtChecksTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(JwtAuthenticator.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    private static AuthProperties properties(String issuer, List<String> audiences, Set<AuthProperties.JwtCheck> off) {
        return new AuthProperties(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofHours(24),
                Duration.ofDays(30), Duration.ofDays(90), new AuthProperties.Jwt(issuer, TestIdentity.jwkSetUri(),
                audiences, "tollgate_role", "admin", "tollgate_account", "scope", Duration.ofSeconds(60), off));
    }

    @Test
    void aJwkSetWithoutIssuerOrAudiencesDoesNotStart() {
        assertThatThrownBy(() -> new JwtAuthenticator(properties(null, List.of(TestIdentity.AUDIENCE),
                EnumSet.noneOf(AuthProperties.JwtCheck.class))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tollgate.auth.jwt.issuer-uri").hasMessageContaining("TOLLGATE_JWT_UNCHECKED");
        assertThatThrownBy(() -> new JwtAuthenticator(properties(TestIdentity.ISSUER, List.of(),
                EnumSet.noneOf(AuthProperties.JwtCheck.class))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tollgate.auth.jwt.audiences");
    }

    @Test
    void checksGivenUpByNameAreLoggedAndSkipped() {
        var authenticator = new JwtAuthenticator(properties(null, List.of(),
                EnumSet.of(AuthProperties.JwtCheck.ISSUER, AuthProperties.JwtCheck.AUDIENCE)));
        String elsewhere = TestIdentity.sign(true, Map.of("sub", "svc", "tollgate_role", "admin"),
                "https://other-issuer.example", "other-app", Instant.now().plusSeconds(60));
        String forever = TestIdentity.signWithoutExpiry(Map.of("sub", "svc", "tollgate_role", "admin"));

        assertThat(authenticator.authenticate(elsewhere).keyId()).isEqualTo("jwt:svc");
        assertThatThrownBy(() -> authenticator.authenticate(forever))
                .isInstanceOf(JwtAuthenticator.InvalidToken.class).hasMessageContaining("no expiry");
        assertThat(logged.list).filteredOn(event -> event.getLevel().toString().equals("WARN"))
                .extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(message -> assertThat(message).contains("'issuer'").contains("turned off"))
                .anySatisfy(message -> assertThat(message).contains("'audience'").contains("turned off"));
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(message -> assertThat(message).contains("not checked: [audience, issuer]"));
    }

    @Test
    void anExpiryGivenUpAcceptsTokensWithoutOne() {
        var authenticator = new JwtAuthenticator(properties(TestIdentity.ISSUER, List.of(TestIdentity.AUDIENCE),
                EnumSet.of(AuthProperties.JwtCheck.EXPIRY)));

        String forever = TestIdentity.signWithoutExpiry(Map.of("sub", "svc", "tollgate_role", "admin"));

        assertThat(authenticator.authenticate(forever).isAdmin()).isTrue();
    }
}
