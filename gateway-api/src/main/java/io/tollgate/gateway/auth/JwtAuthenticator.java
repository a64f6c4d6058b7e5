package io.tollgate.gateway.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * OAuth2 resource server for JWT bearer tokens: the signature is checked against the issuer's JWK set
 * (Nimbus, which caches the keys and refetches on an unknown key id), then expiry and not-before, the
 * issuer, and the audience. The role and account come from configurable claims.
 *
 * <p>This is Spring Security's JOSE support without its filter chain: one filter ({@link ApiKeyFilter})
 * decides for API keys and tokens alike, with the same scopes and errors in the caller's API shape.
 */
@Component
class JwtAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);

    private final AuthProperties.Jwt properties;
    private volatile JwtDecoder decoder;

    public JwtAuthenticator(AuthProperties properties) {
        this.properties = properties.jwt();
        if (enabled()) {
            requireConfiguredChecks(this.properties);
            log.info("JWT bearer tokens accepted from {}: checked are the signature, {}",
                    Optional.ofNullable(blankToNull(this.properties.jwkSetUri())).orElse(this.properties.issuerUri()),
                    describeChecks(this.properties));
            for (AuthProperties.JwtCheck check : this.properties.unchecked()) {
                log.warn("JWT check '{}' is turned off (tollgate.auth.jwt.unchecked): {}", check.wireName(),
                        switch (check) {
                            case ISSUER -> "a token signed by the JWK set is accepted whatever issuer it names";
                            case AUDIENCE -> "a token issued for any other application of the issuer is accepted";
                            case EXPIRY -> "a token without an expiry is accepted for ever";
                        });
            }
        }
    }

    /**
     * Fails closed: without an issuer and audiences to compare tokens with, the gateway does not start,
     * unless the operator turned that check off by name.
     */
    static void requireConfiguredChecks(AuthProperties.Jwt jwt) {
        List<String> missing = new ArrayList<>();
        if (jwt.checks(AuthProperties.JwtCheck.ISSUER) && blankToNull(jwt.issuerUri()) == null) {
            missing.add("tollgate.auth.jwt.issuer-uri (TOLLGATE_JWT_ISSUER_URI) for the 'iss' check");
        }
        if (jwt.checks(AuthProperties.JwtCheck.AUDIENCE) && jwt.audiences().stream().allMatch(String::isBlank)) {
            missing.add("tollgate.auth.jwt.audiences (TOLLGATE_JWT_AUDIENCES) for the 'aud' check");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("JWT bearer tokens are enabled but " + String.join(" and ", missing)
                    + " is not set. Set it, or turn the check off explicitly with tollgate.auth.jwt.unchecked "
                    + "(TOLLGATE_JWT_UNCHECKED=issuer,audience,expiry).");
        }
    }

    private static String describeChecks(AuthProperties.Jwt jwt) {
        List<String> checked = new ArrayList<>();
        checked.add(jwt.checks(AuthProperties.JwtCheck.EXPIRY) ? "a required exp" : "exp when present");
        checked.add("nbf");
        if (jwt.checks(AuthProperties.JwtCheck.ISSUER)) {
            checked.add("iss = " + jwt.issuerUri());
        }
        if (jwt.checks(AuthProperties.JwtCheck.AUDIENCE)) {
            checked.add("aud in " + jwt.audiences());
        }
        return String.join(", ", checked) + "; not checked: " + (jwt.unchecked().isEmpty() ? "nothing"
                : jwt.unchecked().stream().map(AuthProperties.JwtCheck::wireName).sorted().toList());
    }

    public boolean enabled() {
        return properties.enabled();
    }

    /** Three base64url parts separated by dots: worth decoding as a JWT. */
    public static boolean looksLikeJwt(String token) {
        int first = token.indexOf('.');
        return first > 0 && token.indexOf('.', first + 1) > first + 1 && token.chars().filter(c -> c == '.').count() == 2;
    }

    /** A failure the client can act on; its message never contains the token. */
    public static final class InvalidToken extends RuntimeException {
        InvalidToken(String message) {
            super(message);
        }
    }

    public Caller authenticate(String token) {
        Jwt jwt;
        try {
            jwt = decoder().decode(token);
        } catch (JwtException e) {
            // Nimbus' messages name the failed check (expired, audience, signature), never the token.
            log.debug("refused a bearer token: {}", e.getMessage());
            throw new InvalidToken("Invalid bearer token: " + reason(e));
        }
        String subject = jwt.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new InvalidToken("Invalid bearer token: it has no subject.");
        }
        boolean admin = strings(jwt.getClaim(properties.roleClaim())).contains(properties.adminRole());
        Caller.Role role = admin ? Caller.Role.ADMIN : Caller.Role.USER;
        String account = Optional.ofNullable(jwt.getClaimAsString(properties.accountClaim()))
                .filter(value -> !value.isBlank()).orElse(null);
        if (role == Caller.Role.USER && account == null) {
            throw new InvalidToken("Invalid bearer token: it names no account (claim '" + properties.accountClaim()
                    + "').");
        }
        return new Caller(Caller.JWT_PREFIX + subject, account, role, scopes(jwt, role));
    }

    private Set<Scope> scopes(Jwt jwt, Caller.Role role) {
        Set<Scope> defaults = Scope.defaultsFor(role);
        Set<Scope> named = EnumSet.noneOf(Scope.class);
        for (String value : strings(jwt.getClaim(properties.scopeClaim()))) {
            for (String part : value.split(" ")) {
                for (Scope scope : Scope.values()) {
                    if (scope.wireName().equals(part) || ("tollgate:" + scope.wireName()).equals(part)) {
                        named.add(scope);
                    }
                }
            }
        }
        if (named.isEmpty()) {
            return defaults;
        }
        named.retainAll(defaults);
        return named;
    }

    private static List<String> strings(Object claim) {
        if (claim instanceof String text) {
            return List.of(text);
        }
        if (claim instanceof Collection<?> values) {
            List<String> strings = new ArrayList<>();
            values.forEach(value -> strings.add(String.valueOf(value)));
            return strings;
        }
        return List.of();
    }

    private static String reason(JwtException e) {
        List<String> descriptions = new ArrayList<>();
        if (e instanceof JwtValidationException invalid) {
            invalid.getErrors().forEach(error -> descriptions.add(String.valueOf(error.getDescription())));
        } else {
            descriptions.add(String.valueOf(e.getMessage()));
        }
        String all = String.join(" ", descriptions).toLowerCase(Locale.ROOT);
        if (all.contains("expired")) {
            return "it has expired.";
        }
        if (all.contains("exp claim")) {
            return "it has no expiry.";
        }
        if (all.contains("aud claim")) {
            return "it is not meant for this audience.";
        }
        if (all.contains("iss claim")) {
            return "it comes from an unexpected issuer.";
        }
        if (all.contains("used before")) {
            return "it is not valid yet.";
        }
        return "its signature or format could not be verified.";
    }

    private JwtDecoder decoder() {
        JwtDecoder current = decoder;
        if (current == null) {
            synchronized (this) {
                if (decoder == null) {
                    decoder = build();
                }
                current = decoder;
            }
        }
        return current;
    }

    private JwtDecoder build() {
        if (!enabled()) {
            throw new InvalidToken("Bearer tokens are not accepted here: use a Tollgate API key.");
        }
        String issuer = blankToNull(properties.issuerUri());
        String jwkSetUri = blankToNull(properties.jwkSetUri());
        JwtDecoder built;
        if (jwkSetUri != null) {
            NimbusJwtDecoder nimbus = NimbusJwtDecoder.withJwkSetUri(jwkSetUri).build();
            nimbus.setJwtValidator(validator(issuer));
            built = nimbus;
        } else {
            // OpenID discovery at the issuer; the decoder it builds checks the issuer itself.
            JwtDecoder discovered = JwtDecoders.fromIssuerLocation(issuer);
            if (discovered instanceof NimbusJwtDecoder nimbus) {
                nimbus.setJwtValidator(validator(issuer));
            }
            built = discovered;
        }
        return built;
    }

    private OAuth2TokenValidator<Jwt> validator(String issuer) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtTimestampValidator(properties.clockSkew()));
        if (properties.checks(AuthProperties.JwtCheck.EXPIRY)) {
            // The timestamp validator checks exp only when a token has one.
            validators.add(new JwtClaimValidator<Object>(JwtClaimNames.EXP, java.util.Objects::nonNull));
        }
        if (issuer != null && properties.checks(AuthProperties.JwtCheck.ISSUER)) {
            validators.add(new JwtIssuerValidator(issuer));
        }
        if (properties.checks(AuthProperties.JwtCheck.AUDIENCE)) {
            validators.add(new JwtClaimValidator<List<String>>("aud",
                    audience -> audience != null && audience.stream().anyMatch(properties.audiences()::contains)));
        }
        return new DelegatingOAuth2TokenValidator<>(validators);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
