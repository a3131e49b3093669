package dev.llmfleet.common.auth;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

/**
 * Puts {@link BearerAuthentication} in front of the paths a service names in {@code fleet.auth.protected-paths}
 * (intake and billing: {@code /v1/*}). A service that names none (the worker) has no API and needs no key secret.
 */
@ApplicationScoped
public class ApiKeyGate {
    void register(@Observes Router router, AuthConfig config, Instance<BearerAuthentication> authentication) {
        config.protectedPaths().ifPresent(paths -> paths.forEach(path -> authentication.get().protect(router, path)));
    }
}
