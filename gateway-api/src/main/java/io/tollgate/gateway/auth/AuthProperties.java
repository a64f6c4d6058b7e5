package io.tollgate.gateway.auth;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code tollgate.auth.*}.
 *
 * @param keyCacheTtl           how long a resolved API key is trusted without asking the database: the
 *                              bound on how late a revocation bites when a change notification is lost
 * @param lastUsedFlushInterval how often the last use of keys is written, in one batch
 * @param rotationGrace         how long a rotated key keeps working when the request names no grace period
 * @param maxRotationGrace      the longest grace period a rotation may ask for
 * @param userKeyMaxLifetime    the longest a key made through {@code /api/keys} may live (also its expiry
 *                              when the request names none): a JWT user's keys, which no token revocation
 *                              reaches, end by then at the latest
 * @param jwt                   OAuth2 bearer tokens; off unless issuer-uri or jwk-set-uri is set
 */
@ConfigurationProperties("tollgate.auth")
public record AuthProperties(@DefaultValue("1s") Duration keyCacheTtl,
                             @DefaultValue("5s") Duration lastUsedFlushInterval,
                             @DefaultValue("24h") Duration rotationGrace,
                             @DefaultValue("30d") Duration maxRotationGrace,
                             @DefaultValue("90d") Duration userKeyMaxLifetime,
                             @DefaultValue Jwt jwt) {

    /**
     * @param issuerUri    the issuer ({@code iss}); with no jwk-set-uri its JWK set is found through OpenID
     *                     discovery on first use
     * @param jwkSetUri    where the issuer's public keys are
     * @param audiences    a token must name one of these in {@code aud}; required unless {@code unchecked}
     *                     names {@code audience}
     * @param roleClaim    the claim that holds the role, a string or a list of strings
     * @param adminRole    the value of the role claim that makes the caller an admin; anything else is a user
     * @param accountClaim the claim that holds the caller's account id; a user token without it is refused
     * @param scopeClaim   optional narrowing: when the token's scopes (space separated, or a list) name any
     *                     Tollgate scope, the caller gets only those
     * @param clockSkew    tolerated difference between the issuer's clock and ours
     * @param unchecked    the checks the operator gives up, explicitly: {@code issuer} (no issuer-uri, tokens'
     *                     {@code iss} not compared), {@code audience} (no audiences, {@code aud} not compared),
     *                     {@code expiry} (tokens without {@code exp} accepted). Empty (the default): JWTs are
     *                     accepted only with all three, and the gateway does not start without an issuer-uri
     *                     and audiences
     */
    public record Jwt(String issuerUri, String jwkSetUri, @DefaultValue List<String> audiences,
                      @DefaultValue("tollgate_role") String roleClaim, @DefaultValue("admin") String adminRole,
                      @DefaultValue("tollgate_account") String accountClaim,
                      @DefaultValue("scope") String scopeClaim, @DefaultValue("60s") Duration clockSkew,
                      @DefaultValue Set<JwtCheck> unchecked) {

        public boolean checks(JwtCheck check) {
            return unchecked == null || !unchecked.contains(check);
        }

        public boolean enabled() {
            return (issuerUri != null && !issuerUri.isBlank()) || (jwkSetUri != null && !jwkSetUri.isBlank());
        }
    }

    /** A check on JWTs that an operator may give up (tollgate.auth.jwt.unchecked). */
    public enum JwtCheck {
        ISSUER, AUDIENCE, EXPIRY;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
