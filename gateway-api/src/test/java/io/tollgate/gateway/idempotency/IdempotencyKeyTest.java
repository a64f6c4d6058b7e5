package io.tollgate.gateway.idempotency;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tollgate.events.CreditsDebited;
import io.tollgate.events.codec.EventCodec;
import io.tollgate.gateway.GatewayTestBase;
import io.tollgate.gateway.testing.OpenAiWireFormat;
import io.tollgate.gateway.testing.GatewayHttp;
import io.tollgate.gateway.testing.GatewayHttp.Reply;
import io.tollgate.ledger.api.Commands.CloseAccount;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.tollgate.gateway.testing.OpenAiWireFormat.COMPLETION;
import static io.tollgate.gateway.testing.OpenAiWireFormat.CHAT_PATH;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Idempotency-Key on the chat endpoint, over real HTTP against an OpenAI-compatible provider served by
 * WireMock: a retry is answered from the first request and never reaches the provider or the ledger again.
 */
class IdempotencyKeyTest extends GatewayTestBase {
    private static final String KEY_HEADER = "Idempotency-Key";
    private static final String REPLAYED = "idempotent-replayed";
    private static final Duration KAFKA_WAIT = Duration.ofSeconds(20);
    private static final EventCodec CODEC = new EventCodec();

    @RegisterExtension
    static WireMockExtension upstream = OpenAiWireFormat.loopbackProvider();

    /** OpenAI's streaming format with stream_options.include_usage, as its API reference shows it. */
    private static final String STREAM = """
            data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

            data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}

            data: [DONE]

            """;

    @Autowired
    JdbcClient jdbc;
    @Autowired
    IdempotencyHousekeeping housekeeping;
    @Autowired
    CommandGateway commands;

    private GatewayHttp gateway;
    private String provider;

    @BeforeEach
    void registerUpstream() {
        gateway = gateway();
        provider = "wmidem" + Integer.toHexString(upstream.getPort());
        gateway.registerProvider(provider, upstream.baseUrl() + "/v1", "sk-idempotency-test-0000");
        gateway.setRate(provider, "gpt-4o", "2.5", "10");
    }

    @Test
    void aRetryWithTheSameKeyIsAnsweredFromTheFirstRequestAndChargedOnce() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");
        String key = newKey();
        String body = chatBody("Hello there");

        Reply first = chat(account.key(), body, key);
        Reply retry = chat(account.key(), body, key);

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.header(REPLAYED)).isNull();
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.header(REPLAYED)).isEqualTo("true");
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.header("Content-Type")).isEqualTo(first.header("Content-Type"));
        String requestId = first.header("x-request-id");
        assertThat(requestId).startsWith("req_");
        assertThat(retry.header("x-request-id")).isEqualTo(requestId);
        assertThat(retry.header("x-tollgate-max-tokens")).isEqualTo(first.header("x-tollgate-max-tokens"))
                .isEqualTo("50");
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));

        await().atMost(KAFKA_WAIT).until(() -> debitedRequests(account.id()), ids -> ids.contains(requestId));
        // A charged retry would have been debited before it answered. The ledger topic keeps one account's
        // events in order, so once a later request's debit is on it, a debit of the retry would be too.
        Reply later = chat(account.key(), chatBody("And now?"), null);
        assertThat(later.status()).isEqualTo(200);
        String laterId = later.header("x-request-id");
        List<String> debited = await().atMost(KAFKA_WAIT)
                .until(() -> debitedRequests(account.id()), ids -> ids.contains(laterId));
        assertThat(debited).containsExactly(requestId, laterId);
    }

    @Test
    void aStreamedAnswerIsReplayedByteForByte() {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(STREAM)));
        var account = gateway.openAccountWithCredits("1");
        String key = newKey();
        String body = """
                {"model":"%s/gpt-4o","stream":true,"messages":[{"role":"user","content":"Say hello"}]}"""
                .formatted(provider);

        Reply first = chat(account.key(), body, key);
        Reply retry = chat(account.key(), body, key);

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("Content-Type")).startsWith("text/event-stream");
        assertThat(first.body()).contains("\"Hello\"").endsWith("data: [DONE]\n\n");
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.header(REPLAYED)).isEqualTo("true");
        assertThat(retry.header("Content-Type")).isEqualTo(first.header("Content-Type"));
        assertThat(retry.header("x-request-id")).isEqualTo(first.header("x-request-id"));
        assertThat(retry.body()).isEqualTo(first.body());
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aDuplicateSentWhileTheFirstIsStillRunningIsRefusedWith409() throws Exception {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200).withFixedDelay(1000)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("1");
        String key = newKey();
        String body = chatBody("Take your time");

        try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Reply> first = clients.submit(() -> chat(account.key(), body, key));
            // The duplicate goes out while the first waits for the provider's delayed answer.
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.getAllServeEvents().size() == 1);
            Reply duplicate = chat(account.key(), body, key);

            assertThat(duplicate.status()).as(duplicate.body()).isEqualTo(409);
            assertThat(duplicate.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(duplicate.json().path("error").path("code").asText()).isEqualTo("idempotency_key_in_use");
            assertThat(duplicate.header("Retry-After")).isEqualTo("1");
            assertThat(first.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        assertThat(chat(account.key(), body, key).header(REPLAYED)).isEqualTo("true");
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aRequestThatOutlivesTheAbandonTimeoutKeepsItsKeyBecauseItsInstanceRenewsTheLease() throws Exception {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200).withFixedDelay(1000)
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        var account = gateway.openAccountWithCredits("1");
        String key = newKey();
        String body = chatBody("Think hard");

        try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Reply> first = clients.submit(() -> chat(account.key(), body, key));
            await().atMost(Duration.ofSeconds(10)).until(() -> upstream.getAllServeEvents().size() == 1);
            // As if the request had been running for longer than the abandon timeout...
            jdbc.sql("update gateway.idempotency_keys set lease_expires_at = now() - interval '1 second' "
                            + "where account_id = ? and idempotency_key = ?")
                    .params(account.id(), key)
                    .update();
            // ...while its instance, alive, renews the lease on schedule.
            housekeeping.renewLeases();
            Reply duplicate = chat(account.key(), body, key);

            assertThat(duplicate.status()).as(duplicate.body()).isEqualTo(409);
            assertThat(first.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");
        String key = newKey();

        Reply first = chat(account.key(), chatBody("Hello"), key);
        Reply other = chat(account.key(), chatBody("Something else"), key);

        assertThat(first.status()).isEqualTo(200);
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(other.json().path("error").path("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(other.json().path("error").path("message").asText()).contains("different request");
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aKeyThatIsNotOneTo255PrintableAsciiCharactersIs400AndNothingRuns() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");

        // (Java's HTTP client sends non-ASCII header characters as '?', so they cannot be tried from here.)
        List<Reply> refused = List.of(
                chat(account.key(), chatBody("Hi"), "k".repeat(256)),
                chat(account.key(), chatBody("Hi"), "tab\tinside"),
                chat(account.key(), chatBody("Hi"), ""));
        Reply longest = chat(account.key(), chatBody("Hi"), "k".repeat(255));

        assertThat(refused).allSatisfy(reply -> {
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(reply.json().path("error").path("message").asText()).contains("Idempotency-Key");
        });
        assertThat(longest.status()).as(longest.body()).isEqualTo(200);
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
        assertThat(keysOf(account.id())).isEqualTo(1);
    }

    @Test
    void aRequestRefusedFor402IsNotKeptSoTheSameKeySucceedsAfterATopUp() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("0.0001");
        String key = newKey();
        String body = chatBody("Write me a long story");

        Reply refused = chat(account.key(), body, key);
        assertThat(refused.status()).isEqualTo(402);
        assertThat(refused.json().path("error").path("code").asText()).isEqualTo("insufficient_credit");
        assertThat(keysOf(account.id())).isZero();

        gateway.grantCredits(account.id(), "1");
        Reply afterTopUp = chat(account.key(), body, key);

        assertThat(afterTopUp.status()).as(afterTopUp.body()).isEqualTo(200);
        assertThat(afterTopUp.header(REPLAYED)).isNull();
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aClosedAccountIs403NotPaymentRequiredAndItsKeyIsNotKept() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");
        commands.sendAndWait(new CloseAccount(account.id(), "closed by a test", ADMIN_KEY));

        Reply reply = chat(account.key(), chatBody("Hello"), newKey());

        assertThat(reply.status()).as(reply.body()).isEqualTo(403);
        assertThat(reply.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(reply.json().path("error").path("code").asText()).isEqualTo("account_closed");
        assertThat(keysOf(account.id())).isZero();
        upstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aResponseTooLargeToKeepIsNotRunAgainButRefusedWith409() {
        String huge = COMPLETION.replace("Hello! How can I assist you today?", "a".repeat(1_100_000));
        stubCompletion(huge);
        var account = gateway.openAccountWithCredits("1");
        String key = newKey();
        String body = chatBody("Say a lot");

        Reply first = chat(account.key(), body, key);
        Reply retry = chat(account.key(), body, key);

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).hasSizeGreaterThan(1_100_000);
        assertThat(retry.status()).isEqualTo(409);
        assertThat(retry.json().path("error").path("code").asText()).isEqualTo("idempotency_response_unavailable");
        assertThat(retry.json().path("error").path("message").asText())
                .contains("HTTP 200").contains(first.header("x-request-id")).contains("new key");
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void keysAreScopedToTheAccountAndRequestsWithoutAKeyStoreNothing() {
        stubCompletion(COMPLETION);
        var alice = gateway.openAccountWithCredits("1");
        var bob = gateway.openAccountWithCredits("1");
        String sharedKey = newKey();

        Reply fromAlice = chat(alice.key(), chatBody("Hello"), sharedKey);
        Reply fromBob = chat(bob.key(), chatBody("Hello"), sharedKey);
        Reply keyless = chat(bob.key(), chatBody("Hello"), null);
        Reply keylessAgain = chat(bob.key(), chatBody("Hello"), null);

        assertThat(List.of(fromAlice, fromBob, keyless, keylessAgain)).allSatisfy(reply -> {
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header(REPLAYED)).isNull();
        });
        assertThat(fromBob.header("x-request-id")).isNotEqualTo(fromAlice.header("x-request-id"));
        upstream.verify(4, postRequestedFor(urlEqualTo(CHAT_PATH)));
        assertThat(keysOf(bob.id())).isEqualTo(1);
    }

    @Test
    void expiredKeysAreDeletedByTheCleanupAndFreeAgain() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");
        String expiring = newKey();
        String kept = newKey();
        assertThat(chat(account.key(), chatBody("One"), expiring).status()).isEqualTo(200);
        assertThat(chat(account.key(), chatBody("Two"), kept).status()).isEqualTo(200);
        jdbc.sql("update gateway.idempotency_keys set expires_at = now() - interval '1 second' "
                        + "where account_id = ? and idempotency_key = ?")
                .params(account.id(), expiring)
                .update();

        assertThat(housekeeping.deleteExpired()).isPositive();

        assertThat(state(account.id(), expiring)).isEmpty();
        assertThat(state(account.id(), kept)).contains("completed");
        Reply reused = chat(account.key(), chatBody("One"), expiring);
        assertThat(reused.status()).isEqualTo(200);
        assertThat(reused.header(REPLAYED)).isNull();
        upstream.verify(3, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void anExpiredKeyTheCleanupHasNotReachedYetIsFreeForAnyRequest() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");
        String key = newKey();
        assertThat(chat(account.key(), chatBody("First use"), key).status()).isEqualTo(200);
        jdbc.sql("update gateway.idempotency_keys set expires_at = now() - interval '1 second' "
                        + "where account_id = ? and idempotency_key = ?")
                .params(account.id(), key)
                .update();

        Reply reused = chat(account.key(), chatBody("Another request"), key);

        assertThat(reused.status()).as(reused.body()).isEqualTo(200);
        assertThat(reused.header(REPLAYED)).isNull();
        assertThat(chat(account.key(), chatBody("Another request"), key).header(REPLAYED)).isEqualTo("true");
        upstream.verify(2, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aKeyWhoseOwnerStoppedRenewingItsLeaseIsTakenOverAndALiveOneIsNot() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");
        String body = chatBody("Are you there?");
        String abandoned = newKey();
        String running = newKey();
        claimAsAnotherInstance(account.id(), abandoned, body, Duration.ofMinutes(-1));
        claimAsAnotherInstance(account.id(), running, body, Duration.ofMinutes(5));

        Reply takenOver = chat(account.key(), body, abandoned);
        Reply stillRunning = chat(account.key(), body, running);

        assertThat(takenOver.status()).as(takenOver.body()).isEqualTo(200);
        assertThat(state(account.id(), abandoned)).contains("completed");
        assertThat(stillRunning.status()).isEqualTo(409);
        assertThat(stillRunning.json().path("error").path("code").asText()).isEqualTo("idempotency_key_in_use");
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aBilledRequestWhoseOutcomeCouldNotBeStoredIsNeverRunAgainAndItsAnswerIsReplayedOnceStored() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");
        String key = "store-fails-" + UUID.randomUUID();
        String body = chatBody("Bill me once");
        refuseToStoreOutcomesOf(key);
        Reply first;
        try {
            first = chat(account.key(), body, key);
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            // As if its instance had stopped renewing the key for longer than abandon-after (it died, or the
            // database was away that long) while the outcome was still unsaved.
            jdbc.sql("update gateway.idempotency_keys set lease_expires_at = now() - interval '1 second' "
                            + "where account_id = ? and idempotency_key = ?")
                    .params(account.id(), key)
                    .update();

            Reply retry = chat(account.key(), body, key);

            assertThat(retry.status()).as(retry.body()).isEqualTo(409);
            assertThat(retry.json().path("error").path("code").asText()).isEqualTo("idempotency_outcome_unknown");
            assertThat(retry.json().path("error").path("message").asText()).contains("not be run or charged again");
            upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
        } finally {
            allowStoringOutcomes();
        }
        // The instance that ran it still has the answer and stores it once the database takes it.
        await().atMost(Duration.ofSeconds(10)).until(() -> state(account.id(), key), s -> s.equals(Optional.of("completed")));
        Reply replayed = chat(account.key(), body, key);
        assertThat(replayed.status()).isEqualTo(200);
        assertThat(replayed.header(REPLAYED)).isEqualTo("true");
        assertThat(replayed.body()).isEqualTo(first.body());
        upstream.verify(1, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    @Test
    void aKeyWhoseRequestHadBegunChargingWhenItsInstanceDiedIsNotRunAgain() {
        stubCompletion(COMPLETION);
        var account = gateway.openAccountWithCredits("1");
        String body = chatBody("Were you billed?");
        String key = newKey();
        claimAsAnotherInstance(account.id(), key, body, Duration.ofMinutes(-1));
        jdbc.sql("update gateway.idempotency_keys set state = 'charging' where account_id = ? and idempotency_key = ?")
                .params(account.id(), key)
                .update();

        Reply retry = chat(account.key(), body, key);

        assertThat(retry.status()).as(retry.body()).isEqualTo(409);
        assertThat(retry.json().path("error").path("code").asText()).isEqualTo("idempotency_outcome_unknown");
        upstream.verify(0, postRequestedFor(urlEqualTo(CHAT_PATH)));
    }

    /** A fault in PostgreSQL itself: storing the outcome of these keys fails, as it would with the database away. */
    private void refuseToStoreOutcomesOf(String key) {
        jdbc.sql("""
                create or replace function gateway.refuse_outcome_for_test() returns trigger language plpgsql as $$
                begin
                    if new.state = 'completed' and new.idempotency_key like 'store-fails-%' then
                        raise exception 'outcome store refused by a test';
                    end if;
                    return new;
                end $$""").update();
        jdbc.sql("drop trigger if exists refuse_outcome_for_test on gateway.idempotency_keys").update();
        jdbc.sql("create trigger refuse_outcome_for_test before update on gateway.idempotency_keys "
                + "for each row execute function gateway.refuse_outcome_for_test()").update();
    }

    private void allowStoringOutcomes() {
        jdbc.sql("drop trigger if exists refuse_outcome_for_test on gateway.idempotency_keys").update();
    }

    private void stubCompletion(String completion) {
        upstream.stubFor(post(CHAT_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(completion)));
    }

    private String chatBody(String content) {
        return """
                {"model":"%s/gpt-4o","max_tokens":50,"messages":[{"role":"user","content":"%s"}]}"""
                .formatted(provider, content);
    }

    private Reply chat(String accountKey, String body, String idempotencyKey) {
        return gateway.post(CHAT_PATH, accountKey, body,
                idempotencyKey == null ? Map.of() : Map.of(KEY_HEADER, idempotencyKey));
    }

    private static String newKey() {
        return "test-" + UUID.randomUUID();
    }

    private static List<String> debitedRequests(String accountId) {
        return ledger().recordsOfAccount(accountId).stream()
                .map(record -> CODEC.decode(record.value()))
                .filter(CreditsDebited.class::isInstance)
                .map(event -> ((CreditsDebited) event).requestId())
                .toList();
    }

    private long keysOf(String accountId) {
        return jdbc.sql("select count(*) from gateway.idempotency_keys where account_id = ?")
                .param(accountId)
                .query(Long.class)
                .single();
    }

    private Optional<String> state(String accountId, String key) {
        return jdbc.sql("select state from gateway.idempotency_keys where account_id = ? and idempotency_key = ?")
                .params(accountId, key)
                .query(String.class)
                .optional();
    }

    /** The row another gateway instance leaves while it runs the request, its lease ending {@code leaseLeft} from now. */
    private void claimAsAnotherInstance(String accountId, String key, String body, Duration leaseLeft) {
        jdbc.sql("""
                        insert into gateway.idempotency_keys (account_id, idempotency_key, request_path, request_hash,
                            state, claim_token, lease_expires_at, expires_at)
                        values (?, ?, ?, ?, 'in_progress', ?, now() + ? * interval '1 second', now() + interval '1 day')""")
                .params(accountId, key, CHAT_PATH, sha256(body), UUID.randomUUID(), leaseLeft.toSeconds())
                .update();
    }

    private static byte[] sha256(String body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
