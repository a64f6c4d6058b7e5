package io.tollgate.gateway.providers;

import jakarta.annotation.PreDestroy;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.IdleConnectionEvictor;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.springframework.stereotype.Component;

import javax.net.ssl.SSLSession;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;

/**
 * The one HTTP client every provider call goes through. Adapters describe a call as a JDK
 * {@link HttpRequest}; it is carried out by Apache HttpClient's classic (blocking) client on the
 * request's own virtual thread. The JDK client hands every exchange between its selector thread, its
 * executor and the caller; on two cores shared with the load those hand-offs cost about twice the CPU
 * and latency of a blocking exchange (measured over loopback against the mock provider).
 * <p>
 * HTTP/1.1 only: plain-http upstreams (Ollama, local servers) mishandle the h2c upgrade. No redirects,
 * cookies or proxies, as with the JDK client before, so calls go through HttpClient's minimal client: a
 * pooled connection and the exchange, without the classic client's chain of protocol, redirect, retry and
 * connect steps around it (JFR at 64 connections: HttpClient's frames fell from 16 % of the gateway's
 * samples to 12 %).
 * {@code responseTimeout} bounds every wait for the provider's bytes: the response headers (from the start
 * of the call), and each pause inside a stream. It is kept by {@link UpstreamSilence}, not by socket
 * timeouts, which would put a timer on every read.
 */
@Component
public class UpstreamHttp {
    /** Concurrent calls are bounded by the callers, not by the pool: a busy gateway holds one connection per call. */
    private static final int MAX_CONNECTIONS_PER_PROVIDER = 2_048;
    private static final int MAX_CONNECTIONS = 8_192;
    /** A pooled connection idle this long is checked before it carries a request (the provider may have closed it). */
    private static final TimeValue VALIDATE_AFTER_IDLE = TimeValue.ofSeconds(2);
    private static final TimeValue EVICT_AFTER_IDLE = TimeValue.ofSeconds(50);

    private final PoolingHttpClientConnectionManager connections;
    private final IdleConnectionEvictor idleEvictor;
    private final CloseableHttpClient http;
    private final RequestConfig requestConfig;
    private final Duration responseTimeout;
    private final UpstreamSilence silence;

    public UpstreamHttp(UpstreamProperties properties) {
        this.responseTimeout = properties.responseTimeout();
        this.silence = new UpstreamSilence(properties.responseTimeout());
        this.connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(MAX_CONNECTIONS_PER_PROVIDER)
                .setMaxConnTotal(MAX_CONNECTIONS)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(properties.connectTimeout()))
                        .setSocketTimeout(Timeout.DISABLED)
                        .setValidateAfterInactivity(VALIDATE_AFTER_IDLE)
                        .build())
                .build();
        // No response timeout (null, not DISABLED): the socket keeps the connection's, and the client does not set
        // it again on every request.
        this.requestConfig = RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.of(properties.connectTimeout()))
                .build();
        this.http = HttpClients.createMinimal(connections);
        this.idleEvictor = new IdleConnectionEvictor(connections, EVICT_AFTER_IDLE, EVICT_AFTER_IDLE);
        idleEvictor.start();
    }

    /**
     * Returns once the response headers arrived; the caller reads and must close the body. Closing it
     * before its end drops the connection, which cancels the upstream call.
     *
     * @throws HttpTimeoutException when the provider did not answer within the response timeout
     *                              ({@link HttpConnectTimeoutException} when it could not be reached in time)
     */
    public HttpResponse<InputStream> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpRequest described = request.build();
        HttpUriRequestBase call = new HttpUriRequestBase(described.method(), described.uri());
        described.headers().map().forEach((name, values) -> values.forEach(value -> call.addHeader(name, value)));
        Optional<HttpRequest.BodyPublisher> body = described.bodyPublisher();
        if (body.isPresent() && body.get().contentLength() != 0) {
            call.setEntity(new ByteArrayEntity(bytesOf(body.get()), null));
        }
        call.setConfig(requestConfig);
        UpstreamSilence.Exchange exchange = silence.watch(call);
        try {
            CloseableHttpResponse response = executeRetryingStaleConnection(call);
            exchange.answered();
            return new Answer(described, response, exchange, responseTimeout);
        } catch (IOException | RuntimeException failed) {
            exchange.close();
            if (exchange.silenced()) {
                throw withCause(new HttpTimeoutException("no answer within the response timeout"), failed);
            }
            if (failed instanceof ConnectTimeoutException notConnected) {
                throw withCause(new HttpConnectTimeoutException(notConnected.getMessage()), notConnected);
            }
            if (failed instanceof InterruptedIOException interrupted && Thread.currentThread().isInterrupted()) {
                throw withCause(new InterruptedException("interrupted while calling the provider"), interrupted);
            }
            throw failed;
        }
    }

    /**
     * One retry when a pooled connection turned out closed before the provider read the request (the
     * validation after two idle seconds narrows that window but cannot close it), as the JDK client did. The
     * body is a byte array, so it can be sent again.
     */
    private CloseableHttpResponse executeRetryingStaleConnection(HttpUriRequestBase call) throws IOException {
        HttpHost provider;
        try {
            provider = RoutingSupport.determineHost(call);
        } catch (HttpException unroutable) {
            throw new ClientProtocolException(unroutable);
        }
        try {
            return CloseableHttpResponse.adapt(http.executeOpen(provider, call, HttpClientContext.create()));
        } catch (NoHttpResponseException stale) {
            // The first attempt framed the body on the request itself; the framing step refuses a second length.
            call.removeHeaders(org.apache.hc.core5.http.HttpHeaders.CONTENT_LENGTH);
            call.removeHeaders(org.apache.hc.core5.http.HttpHeaders.TRANSFER_ENCODING);
            return CloseableHttpResponse.adapt(http.executeOpen(provider, call, HttpClientContext.create()));
        }
    }

    @PreDestroy
    void close() {
        silence.close();
        idleEvictor.shutdown();
        http.close(CloseMode.GRACEFUL);
    }

    private static <T extends Exception> T withCause(T exception, Throwable cause) {
        exception.initCause(cause);
        return exception;
    }

    /** The bytes of a request body; the adapters publish byte arrays, which deliver at once. */
    private static byte[] bytesOf(HttpRequest.BodyPublisher publisher) throws IOException, InterruptedException {
        var collected = new CompletableFuture<byte[]>();
        publisher.subscribe(new Flow.Subscriber<>() {
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(
                    (int) Math.max(256, Math.min(publisher.contentLength(), 1 << 20)));

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                bytes.writeBytes(chunk);
            }

            @Override
            public void onError(Throwable failure) {
                collected.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                collected.complete(bytes.toByteArray());
            }
        });
        try {
            return collected.get();
        } catch (ExecutionException e) {
            throw new IOException("the request body could not be read", e.getCause());
        }
    }

    /** Apache's response seen through the JDK's interface, which the rest of the gateway reads. */
    private static final class Answer implements HttpResponse<InputStream> {
        private final HttpRequest request;
        private final CloseableHttpResponse response;
        /** Built when first asked for: a chat answer's headers are read by no one (JFR: about 1 % per request). */
        private HttpHeaders headers;
        private final InputStream body;

        Answer(HttpRequest request, CloseableHttpResponse response, UpstreamSilence.Exchange exchange,
               Duration responseTimeout) throws IOException {
            this.request = request;
            this.response = response;
            HttpEntity entity = response.getEntity();
            this.body = entity == null
                    ? new EndAwareBody(InputStream.nullInputStream(), response, exchange, responseTimeout, 0)
                    : new EndAwareBody(entity.getContent(), response, exchange, responseTimeout,
                    entity.getContentLength());
        }

        @Override
        public int statusCode() {
            return response.getCode();
        }

        @Override
        public HttpRequest request() {
            return request;
        }

        @Override
        public Optional<HttpResponse<InputStream>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public HttpHeaders headers() {
            if (headers == null) {
                Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (Header header : response.getHeaders()) {
                    byName.computeIfAbsent(header.getName(), name -> new ArrayList<>(1)).add(header.getValue());
                }
                headers = HttpHeaders.of(new LinkedHashMap<>(byName), (name, value) -> true);
            }
            return headers;
        }

        @Override
        public InputStream body() {
            return body;
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }

    /**
     * A body read to its end gives its connection back to the pool; one closed before its end closes
     * the connection, so the provider stops generating (and the pool never reuses a half-read stream).
     * A read that waits out the response timeout is {@link UpstreamIdleTimeout}: the provider went quiet.
     */
    private static final class EndAwareBody extends FilterInputStream {
        /** Answers up to this size whose length the provider declares are read into one array of that size. */
        private static final long SIZED_READ_LIMIT = 1 << 20;

        private final CloseableHttpResponse response;
        private final UpstreamSilence.Exchange exchange;
        private final Duration responseTimeout;
        /** The Content-Length the provider declared, or -1. */
        private final long declaredLength;
        private boolean ended;

        EndAwareBody(InputStream content, CloseableHttpResponse response, UpstreamSilence.Exchange exchange,
                     Duration responseTimeout, long declaredLength) {
            super(content);
            this.response = response;
            this.exchange = exchange;
            this.responseTimeout = responseTimeout;
            this.declaredLength = declaredLength;
        }

        /**
         * InputStream's own readAllBytes starts with a 16 KiB array whatever the size; most answers are a few
         * hundred bytes long and say so, and this was most of what a chat request allocated besides JSON buffers.
         */
        @Override
        public byte[] readAllBytes() throws IOException {
            if (declaredLength < 0 || declaredLength > SIZED_READ_LIMIT) {
                return super.readAllBytes();
            }
            byte[] declared = readNBytes((int) declaredLength);
            int next = read();
            if (next < 0) {
                return declared;
            }
            // More than declared (a framing the client library let through): everything read is kept, as before.
            byte[] rest = super.readAllBytes();
            byte[] all = Arrays.copyOf(declared, declared.length + 1 + rest.length);
            all[declared.length] = (byte) next;
            System.arraycopy(rest, 0, all, declared.length + 1, rest.length);
            return all;
        }

        @Override
        public int read() throws IOException {
            exchange.waiting();
            int read;
            try {
                read = super.read();
            } catch (IOException failed) {
                throw silentOr(failed);
            } finally {
                exchange.answered();
            }
            return withEndNoted(read);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            exchange.waiting();
            int read;
            try {
                read = super.read(buffer, offset, length);
            } catch (IOException failed) {
                throw silentOr(failed);
            } finally {
                exchange.answered();
            }
            return withEndNoted(read);
        }

        private int withEndNoted(int read) {
            if (read < 0 && !ended) {
                ended = true;
                exchange.close();
            }
            return read;
        }

        private IOException silentOr(IOException failed) {
            return exchange.silenced() ? withCause(new UpstreamIdleTimeout(responseTimeout), failed) : failed;
        }

        @Override
        public void close() throws IOException {
            exchange.close();
            if (ended) {
                try {
                    super.close();
                } finally {
                    response.close();
                }
            } else {
                response.close(CloseMode.IMMEDIATE);
            }
        }
    }
}
