package io.tollgate.gateway.chat;

import io.tollgate.gateway.edge.DirectRoutes;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The chat endpoints served past Spring MVC's dispatcher ({@link DirectRoutes}), by the handlers of their mappings. */
@Configuration(proxyBeanMethods = false)
class ChatRoutes {

    @Bean
    DirectRoutes.Route chatCompletionsRoute(ChatCompletionsController controller) {
        return new DirectRoutes.Route(ChatCompletionsController.PATH, controller::complete);
    }

    @Bean
    DirectRoutes.Route anthropicMessagesRoute(AnthropicMessagesController controller) {
        return new DirectRoutes.Route(AnthropicMessagesController.MESSAGES_PATH, controller::messages);
    }
}
