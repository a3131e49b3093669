package dev.llmfleet.common.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.llmfleet.common.provider.ProviderException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure of a JAX-RS endpoint of any service as an OpenAI-style error
 * ({@code {"error":{"message","type","code","param"}}}) with the right status: a caller's mistake is a 4xx with a
 * code that names it, never a 500.
 */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response fleet(FleetException e) {
        return of(e);
    }

    @ServerExceptionMapper
    public Response provider(ProviderException e) {
        return of(ProviderErrors.toFleetException(e));
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return of(FleetException.invalid("invalid_json", "The request body is not valid JSON."));
    }

    /** JAX-RS's own refusals (no such path, wrong method, wrong content type, body too large...). */
    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        FleetException error = switch (status) {
            case 400 -> FleetException.invalid("invalid_request", "The request is malformed.");
            case 404 -> FleetException.rejected(404, "not_found", "No such endpoint.");
            case 405 -> FleetException.rejected(405, "method_not_allowed", "This endpoint does not take that method.");
            case 406 -> FleetException.rejected(406, "not_acceptable", "This endpoint answers application/json only.");
            case 413 -> FleetException.rejected(413, "body_too_large", "The request body is too large.");
            case 415 -> FleetException.rejected(415, "unsupported_media_type",
                    "Content-Type is not supported here; the endpoint's OpenAPI document (/q/openapi) lists what it takes.");
            default -> status < 500
                    ? FleetException.rejected(status, "invalid_request", "The request was refused (HTTP " + status + ").")
                    : unexpectedError(e);
        };
        Response.ResponseBuilder response = builder(error);
        if (status == 405 && e.getResponse().getHeaderString(HttpHeaders.ALLOW) != null) {
            response.header(HttpHeaders.ALLOW, e.getResponse().getHeaderString(HttpHeaders.ALLOW));
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        return of(unexpectedError(e));
    }

    private static FleetException unexpectedError(Throwable e) {
        LOG.error("request failed unexpectedly", e);
        return FleetException.serverError(500, "internal_error", "Internal error.");
    }

    private static Response of(FleetException e) {
        return builder(e).build();
    }

    private static Response.ResponseBuilder builder(FleetException e) {
        Response.ResponseBuilder response = Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(ErrorBody.of(e));
        if (e.retryAfterSeconds() != null) {
            response.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        return response;
    }
}
