package io.tollgate.gateway.edge;

import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Tomcat answers {@code Expect: 100-continue} only when the body is first read, not as soon as the headers
 * are in. A body whose announced length is over the limit then gets its 413 before the client sends a
 * byte of it; with Tomcat's default the client was already sending, and a client that writes before it
 * reads (the JDK's HttpClient) lost the 413 to the connection's close.
 */
@Component
class ContinueOnRead implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addConnectorCustomizers(connector -> connector.setProperty("continueResponseTiming", "onRead"));
    }
}
