package io.tollgate.gateway.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * An OAuth2 issuer and a stand-in for the query side, on one loopback WireMock server that lives as long
 * as the test JVM (the gateway's configuration must name it before the shared context starts): an RSA key
 * pair generated here, its JWK set served at {@code /jwks.json}, tokens signed with it; and whatever
 * {@code /api/views/**} stubs a test registers.
 */
public final class TestIdentity {
    public static final String ISSUER = "https://issuer.tollgate.test";
    public static final String AUDIENCE = "tollgate-gateway-test";
    public static final String INTERNAL_TOKEN = "internal-token-for-tests-5f2a9c";

    private static final WireMockServer SERVER;
    private static final RSAKey SIGNING_KEY;
    /** A key the issuer never published: tokens signed with it must be refused. */
    private static final RSAKey FOREIGN_KEY;

    static {
        try {
            SIGNING_KEY = new RSAKeyGenerator(2048).keyID("test-key-1").generate();
            FOREIGN_KEY = new RSAKeyGenerator(2048).keyID("test-key-1").generate();
        } catch (JOSEException e) {
            throw new ExceptionInInitializerError(e);
        }
        SERVER = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        SERVER.start();
        Runtime.getRuntime().addShutdownHook(new Thread(SERVER::stop));
        SERVER.stubFor(get(urlEqualTo("/jwks.json")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(new JWKSet(SIGNING_KEY.toPublicJWK()).toString())));
    }

    private TestIdentity() {
    }

    public static WireMockServer server() {
        return SERVER;
    }

    public static String jwkSetUri() {
        return SERVER.baseUrl() + "/jwks.json";
    }

    public static String viewsBaseUrl() {
        return SERVER.baseUrl();
    }

    /** Gateway properties that point it at this issuer and this query side. */
    public static Map<String, String> gatewayProperties() {
        return Map.of("tollgate.auth.jwt.jwk-set-uri", jwkSetUri(),
                "tollgate.auth.jwt.issuer-uri", ISSUER,
                "tollgate.auth.jwt.audiences", AUDIENCE,
                "tollgate.views.base-url", viewsBaseUrl(),
                "tollgate.views.internal-token", INTERNAL_TOKEN);
    }

    public static String userToken(String subject, String accountId) {
        return token(Map.of("sub", subject, "tollgate_role", "user", "tollgate_account", accountId));
    }

    public static String adminToken(String subject) {
        return token(Map.of("sub", subject, "tollgate_role", "admin"));
    }

    public static String token(Map<String, Object> claims) {
        return sign(SIGNING_KEY, claims, ISSUER, AUDIENCE, Instant.now().plus(Duration.ofMinutes(5)));
    }

    public static String sign(boolean trustedKey, Map<String, Object> claims, String issuer, String audience,
                              Instant expiresAt) {
        return sign(trustedKey ? SIGNING_KEY : FOREIGN_KEY, claims, issuer, audience, expiresAt);
    }

    /** A token signed by the trusted key, naming this issuer and audience, with no {@code exp} at all. */
    public static String signWithoutExpiry(Map<String, Object> claims) {
        var builder = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE)
                .issueTime(Date.from(Instant.now().minusSeconds(5)));
        claims.forEach(builder::claim);
        return serialize(SIGNING_KEY, builder.build());
    }

    private static Instant earliest(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String sign(RSAKey key, Map<String, Object> claims, String issuer, String audience,
                               Instant expiresAt) {
        var builder = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(audience)
                .issueTime(Date.from(earliest(Instant.now().minusSeconds(5), expiresAt.minusSeconds(60))))
                .expirationTime(Date.from(expiresAt));
        claims.forEach(builder::claim);
        return serialize(key, builder.build());
    }

    private static String serialize(RSAKey key, JWTClaimsSet claims) {
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
