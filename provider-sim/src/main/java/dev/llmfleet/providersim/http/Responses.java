package dev.llmfleet.providersim.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.providersim.json.SimJson;
import dev.llmfleet.providersim.service.ApiException;
import dev.llmfleet.providersim.service.Money;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writing answers: the two money headers, JSON bodies and OpenAI-style errors. */
final class Responses {

    static final String CHARGED_HEADER = "X-MDB-Charged-USD";
    static final String BALANCE_HEADER = "X-MDB-Balance-USD";
    static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

    private static final Logger LOG = Logger.getLogger(Responses.class);

    private Responses() {
    }

    /** The two headers every provider answer carries. */
    static void money(HttpServerResponse response, BigDecimal charged, BigDecimal balance) {
        response.putHeader(CHARGED_HEADER, Money.format(charged));
        response.putHeader(BALANCE_HEADER, Money.format(balance));
    }

    static void json(RoutingContext ctx, int status, Object body) {
        try {
            json(ctx, status, Buffer.buffer(SimJson.MAPPER.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            internalError(ctx, e);
        }
    }

    static void json(RoutingContext ctx, int status, Buffer body) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(body);
    }

    /** An OpenAI-style error answer, with Retry-After when the error carries one. */
    static void error(RoutingContext ctx, ApiException e) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.closed()) {
            return;
        }
        if (e.retryAfterSeconds() > 0) {
            response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("code", e.code());
        error.put("param", e.param());
        json(ctx, e.status(), Map.of("error", error));
    }

    /** A bug, not an expected answer: logged with its stack, answered 500 without details. */
    static void internalError(RoutingContext ctx, Throwable failure) {
        LOG.error("Unexpected failure on " + ctx.request().method() + " " + ctx.request().path(), failure);
        if (!ctx.response().ended() && !ctx.response().closed()) {
            error(ctx, ApiException.serverError(500));
        }
    }

    /** The request body as JSON, or null when there is none. */
    static JsonNode body(RoutingContext ctx) {
        RequestBody body = ctx.body();
        if (body == null || body.length() <= 0) {
            return null;
        }
        try {
            return SimJson.MAPPER.readTree(body.buffer().getBytes());
        } catch (IOException e) {
            throw ApiException.invalidRequest("invalid_json", null, "The request body is not valid JSON.");
        }
    }
}
