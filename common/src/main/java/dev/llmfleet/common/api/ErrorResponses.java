package dev.llmfleet.common.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.provider.ProviderException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import org.jboss.logging.Logger;

/**
 * Writes failures on a Vert.x response (routes and handlers outside JAX-RS, whose failures {@link ErrorMappers} writes)
 * as OpenAI-style error JSON (a provider failure as {@link ProviderErrors} says); anything unexpected becomes a 500
 * that names the request, never a stack trace.
 */
public final class ErrorResponses {
    private static final Logger LOG = Logger.getLogger(ErrorResponses.class);

    private ErrorResponses() {
    }

    public static FleetException asFleetException(Throwable failure, String requestId) {
        if (failure instanceof FleetException e) {
            return e;
        }
        if (failure instanceof ProviderException e) {
            return ProviderErrors.toFleetException(e);
        }
        LOG.errorf(failure, "request %s failed unexpectedly", requestId);
        return FleetException.serverError(500, "internal_error", "Internal error; quote request id " + requestId + ".");
    }

    /** Writes {@code e} unless the response is already over; completes once it is written. */
    public static Future<Void> write(HttpServerResponse response, ObjectMapper mapper, FleetException e) {
        if (response.ended() || response.closed()) {
            return Future.succeededFuture();
        }
        response.setStatusCode(e.status()).putHeader("Content-Type", "application/json");
        if (e.retryAfterSeconds() != null) {
            response.putHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        return response.end(json(mapper, e));
    }

    public static String json(ObjectMapper mapper, FleetException e) {
        try {
            return mapper.writeValueAsString(ErrorBody.of(e));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
