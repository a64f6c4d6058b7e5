package io.tollgate.gateway.edge;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Holds path variables and query parameters to the edge's rule on every endpoint. */
@Configuration(proxyBeanMethods = false)
class EdgeWebConfiguration implements WebMvcConfigurer {
    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new EdgeInputInterceptor());
    }
}
