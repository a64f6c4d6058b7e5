package io.tollgate.gateway.edge;

import io.tollgate.gateway.errors.ApiShape;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.res.StringManager;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tomcat refuses some requests before any filter or controller sees them: a path with an encoded NUL, a
 * bad escape or a segment that climbs out of the root is a 400 "Invalid URI" from the connector itself, and
 * a request line or header section it cannot parse, or one over {@code server.max-http-request-header-size},
 * is a 400 from its parser. Its error report valve answered those with an HTML page; this one answers in the
 * caller's API shape, judged by the raw path, like every other refusal, and says which of them it was (an
 * oversized header section becomes the 431 that RFC 6585 has for it). It replaces the host's valve (Spring
 * Boot's, and the default the host would add at start) rather than sitting next to it, so that one report
 * is written.
 */
@Component
class CallerShapedContainerErrors implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            StandardHost host = (StandardHost) context.getParent();
            for (Valve valve : host.getPipeline().getValves()) {
                if (valve instanceof ErrorReportValve) {
                    host.getPipeline().removeValve(valve);
                }
            }
            host.setErrorReportValveClass(CallerShapedErrorReport.class.getName());
            host.getPipeline().addValve(new CallerShapedErrorReport());
        });
    }

    /** After Spring Boot's own Tomcat customizer, which adds the valve this one replaces. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    static final class CallerShapedErrorReport extends ErrorReportValve {

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            AtomicBoolean ioAllowed = new AtomicBoolean(false);
            response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
            if (!ioAllowed.get()) {
                return;
            }
            String path = request.getRequestURI() == null ? "" : request.getRequestURI();
            Refusal refusal = Refusal.of(status, throwable);
            String body = ApiShape.ofPath(path).errorBody(refusal.status(),
                    refusal.status() < 500 ? "invalid_request_error" : "api_error", refusal.code(), refusal.message())
                    .toString();
            try {
                response.setStatus(refusal.status());
                response.setContentType("application/json");
                response.setCharacterEncoding("UTF-8");
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(body);
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException e) {
                // The client is gone or the response was closed under us; there is no one left to tell.
            }
        }
    }

    /**
     * What the container refused, told apart by what its parser threw: nothing for the URI checks (they call
     * sendError), an IllegalArgumentException for a request it could not parse. Tomcat's messages quote the
     * client's bytes, so they are never passed on; the oversized header section is recognised by comparing
     * with the parser's own message (same bundle, same locale).
     */
    record Refusal(int status, String code, String message) {
        private static final String HEADER_TOO_LARGE = StringManager.getManager("org.apache.coyote.http11")
                .getString("iib.requestheadertoolarge.error");

        static Refusal of(int status, Throwable thrown) {
            if (status != 400) {
                return new Refusal(status, null,
                        "The request was refused before it reached the gateway (HTTP " + status + ").");
            }
            if (thrown instanceof IllegalArgumentException && HEADER_TOO_LARGE.equals(thrown.getMessage())) {
                return new Refusal(431, "request_headers_too_large",
                        "The request's headers are larger than the gateway accepts; send fewer or shorter headers.");
            }
            if (thrown instanceof IllegalArgumentException) {
                return new Refusal(400, "invalid_http_request",
                        "The request is not valid HTTP/1.1: its request line or one of its headers could not be read.");
            }
            return new Refusal(400, "invalid_path",
                    "The request path is not valid: it has an encoded NUL, a bad escape or a segment that leaves the root.");
        }
    }
}
