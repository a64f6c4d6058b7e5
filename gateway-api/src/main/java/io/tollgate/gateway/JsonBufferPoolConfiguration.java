package io.tollgate.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import org.springframework.boot.autoconfigure.jackson.Jackson2ObjectMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Jackson keeps its parser and generator buffers in a thread local by default. Every request here runs on a
 * virtual thread of its own, so each read of a body and each write of one allocated those buffers afresh
 * (measured: most of the bytes the chat path allocated). A pool per mapper serves them across threads.
 */
@Configuration(proxyBeanMethods = false)
class JsonBufferPoolConfiguration {

    @Bean
    Jackson2ObjectMapperBuilderCustomizer pooledJsonBuffers() {
        // A factory per mapper the builder makes: a factory shared between mappers would share their settings.
        return builder -> builder.factory(JsonFactory.builder()
                .recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build());
    }
}
