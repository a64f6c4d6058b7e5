package io.tollgate.gateway.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * A fresh installation has no key to call the admin API with. The launcher generates one, passes it in
 * TOLLGATE_BOOTSTRAP_ADMIN_KEY, and this stores its hash if it is not stored yet.
 */
@Component
class BootstrapAdminKey {
    private static final Logger log = LoggerFactory.getLogger(BootstrapAdminKey.class);

    private final ApiKeys apiKeys;
    private final String adminKey;

    BootstrapAdminKey(ApiKeys apiKeys, @Value("${tollgate.bootstrap.admin-key:}") String adminKey) {
        this.apiKeys = apiKeys;
        this.adminKey = adminKey;
    }

    @EventListener(ApplicationReadyEvent.class)
    void ensureAdminKey() {
        if (!adminKey.isBlank()) {
            apiKeys.ensureExists("bootstrap admin", Caller.Role.ADMIN, adminKey.trim());
            log.info("bootstrap admin key is registered");
        }
    }
}
