package io.tollgate.gateway.edge;

import io.tollgate.gateway.errors.ApiShape;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tomcat refuses some requests before any filter or controller sees them: a path with an encoded NUL, a
 * bad escape or a segment that climbs out of the root is a 400 "Invalid URI" from the connector itself.
 * Its error report valve answered those with an HTML page; this one answers in the caller's API shape,
 * judged by the raw path, like every other refusal. It replaces the host's valve (Spring Boot's, and the
 * default the host would add at start) rather than sitting next to it, so that one report is written.
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
            boolean clientError = status < 500;
            String body = ApiShape.ofPath(path).errorBody(status,
                    clientError ? "invalid_request_error" : "api_error",
                    status == 400 ? "invalid_path" : null,
                    status == 400
                            ? "The request path is not valid: it has an encoded NUL, a bad escape or a segment that leaves the root."
                            : "The request was refused before it reached the gateway (HTTP " + status + ").")
                    .toString();
            try {
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
}
