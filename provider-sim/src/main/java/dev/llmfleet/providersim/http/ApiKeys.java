package dev.llmfleet.providersim.http;

import dev.llmfleet.providersim.config.SimConfig;
import dev.llmfleet.providersim.service.ApiException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Set;

/** Bearer-key authentication of the provider API. Keys are never logged nor echoed back. */
@ApplicationScoped
public class ApiKeys {

    private static final String BEARER = "Bearer ";

    /** Null when any non-empty key is accepted. */
    private final Set<String> accepted;

    @Inject
    public ApiKeys(SimConfig config) {
        this.accepted = config.apiKeys().map(List::copyOf).map(Set::copyOf).orElse(null);
    }

    /**
     * @return the caller's API key
     * @throws ApiException 401 when it is missing or not accepted
     */
    public String require(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw ApiException.unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.");
        }
        String key = header.substring(BEARER.length()).trim();
        if (key.isEmpty() || (accepted != null && !accepted.contains(key))) {
            throw ApiException.unauthorized("Incorrect API key provided.");
        }
        return key;
    }
}
