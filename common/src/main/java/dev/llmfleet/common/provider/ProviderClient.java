package dev.llmfleet.common.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientResponse;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Bulkhead;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Supplier;

/**
 * One non-blocking HTTP exchange with the provider on Vert.x's Mutiny HTTP client (pooled keep-alive
 * connections; the raw client because streamed answers need their headers, chunks and trailers).
 * A bulkhead bounds this instance's exchanges in flight, every model and lane together (tune it with
 * {@code quarkus.fault-tolerance."dev.llmfleet.common.provider.ProviderClient/chat".bulkhead.*}); timeouts, retries,
 * breakers and fallbacks are {@link ProviderGateway}'s.
 */
@ApplicationScoped
public class ProviderClient {
    private final ProviderConfig config;
    private final ObjectMapper mapper;
    private final HttpClient http;
    private final URI base;

    public ProviderClient(ProviderConfig config, ObjectMapper mapper, Vertx vertx) {
        this.config = config;
        this.mapper = mapper;
        this.base = URI.create(config.baseUrl().endsWith("/") ? config.baseUrl() : config.baseUrl() + "/");
        boolean tls = "https".equalsIgnoreCase(base.getScheme());
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setSsl(tls)
                .setMaxPoolSize(config.maxConnections())
                .setKeepAlive(true)
                .setConnectTimeout((int) Duration.ofSeconds(5).toMillis())
                .setIdleTimeout((int) config.idleTimeout().toSeconds()));
    }

    /**
     * Sends one chat completion; answers with the reply once the status and headers are in (for a stream,
     * the body keeps flowing after that). Any status but 200 fails with a {@link ProviderException}.
     *
     * @param body           the OpenAI request body to send
     * @param costCap        sent as the provider's cost cap header
     * @param idempotencyKey sent as the idempotency header, so a provider that honours it never charges twice
     */
    @Bulkhead(value = 200, waitingTaskQueue = 1000)
    public Uni<ProviderReply> chat(JsonNode body, BigDecimal costCap, String idempotencyKey) {
        boolean stream = body.path("stream").asBoolean(false);
        String model = body.path("model").asText();
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(base.resolve("chat/completions").toString())
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", stream ? "text/event-stream" : "application/json")
                .putHeader("Authorization", "Bearer " + config.apiKey().orElse(""))
                .putHeader(config.costCapHeader(), costCap.toPlainString())
                .putHeader(config.idempotencyHeader(), idempotencyKey)
                .setIdleTimeout(config.idleTimeout().toMillis());
        if (stream) {
            request.putHeader("TE", "trailers");
        }
        Buffer payload = Buffer.buffer(encode(body));
        return http.request(request)
                .onItem().transformToUni(req -> req.send(payload))
                .onItem().transformToUni(response -> {
                    MultiMap headers = response.headers().getDelegate();
                    boolean replayed = "true".equalsIgnoreCase(headers.get(config.idempotencyReplayHeader()));
                    Supplier<MultiMap> trailers = () -> response.trailers().getDelegate();
                    if (response.statusCode() != 200) {
                        return response.body().onItem().transform(error -> { throw failure(response, error); });
                    }
                    if (stream) {
                        // the stream is subscribed after this Uni completes: hold the data until then
                        response.pause();
                        return Uni.createFrom().item(new ProviderReply(model, headers, null, response.toMulti(), trailers, replayed));
                    }
                    return response.body().map(full -> new ProviderReply(model, headers, full, null, trailers, replayed));
                })
                .onFailure(e -> !(e instanceof ProviderException))
                .transform(e -> ProviderException.noAnswer("provider unreachable: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage())));
    }

    private byte[] encode(JsonNode body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("request body cannot be encoded", e);
        }
    }

    private ProviderException failure(HttpClientResponse response, Buffer body) {
        String code = "provider_error";
        String message = "provider answered " + response.statusCode();
        try {
            JsonNode error = mapper.readTree(body.getBytes()).path("error");
            if (error.hasNonNull("code")) {
                code = error.get("code").asText();
            }
            if (error.hasNonNull("message")) {
                message = error.get("message").asText();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not JSON: keep the status line as the message
        }
        return ProviderException.fromAnswer(response.statusCode(), code, message, retryAfter(response.getHeader("Retry-After")),
                ProviderReply.decimal(response.getHeader(ProviderReply.CHARGED_HEADER)),
                ProviderReply.decimal(response.getHeader(ProviderReply.BALANCE_HEADER)));
    }

    /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (java.time.format.DateTimeParseException ignored) {
                return null;
            }
        }
    }
}
