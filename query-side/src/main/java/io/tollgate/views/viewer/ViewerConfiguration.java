package io.tollgate.views.viewer;

import io.tollgate.views.ViewsProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class ViewerConfiguration implements WebMvcConfigurer {

    @Bean
    FilterRegistrationBean<ViewerFilter> viewerFilter(ViewsProperties properties) {
        var registration = new FilterRegistrationBean<>(new ViewerFilter(properties.internalToken()));
        registration.addUrlPatterns("/api/views", "/api/views/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new ViewerScopeInterceptor());
    }
}
