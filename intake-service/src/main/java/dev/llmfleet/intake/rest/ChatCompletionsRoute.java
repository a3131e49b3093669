package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.ErrorResponses;
import dev.llmfleet.common.provider.ProviderReply;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.BearerAuthentication;
import dev.llmfleet.common.auth.Caller;
import dev.llmfleet.common.config.Features;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.pipeline.Completion;
import dev.llmfleet.common.pipeline.CompletionContext;
import dev.llmfleet.common.pipeline.CompletionPipeline;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.pipeline.Spend;
import dev.llmfleet.common.quota.Quota;
import dev.llmfleet.common.provider.CallGate;
import dev.llmfleet.common.validation.RequestTags;
import dev.llmfleet.intake.metrics.StreamMetrics;
import dev.llmfleet.intake.service.InteractiveLoadReporter;
import dev.llmfleet.intake.service.RequestJson;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.UUID;

/**
 * The interactive lane: OpenAI-compatible {@code POST /v1/chat/completions}, plain JSON or SSE. A Vert.x
 * route rather than a JAX-RS method because one endpoint answers either JSON or a relayed stream whose
 * status and headers are decided by the pipeline and whose charge may arrive as a trailer.
 */
@ApplicationScoped
public class ChatCompletionsRoute {
    public static final String REQUEST_ID_HEADER = "X-Fleet-Request-Id";
    public static final String CACHE_HEADER = "X-Fleet-Cache";
    public static final String MODEL_HEADER = "X-Fleet-Model";
    /** Bodies above this are validated on a worker thread: tokenising them would hold the event loop. */
    static final int LARGE_BODY_BYTES = 64 * 1024;

    private final CompletionPipeline pipeline;
    private final ObjectMapper mapper;
    private final FleetConfig config;
    private final InteractiveLoadReporter load;
    private final Features features;
    private final StreamMetrics streams;

    public ChatCompletionsRoute(CompletionPipeline pipeline, ObjectMapper mapper, FleetConfig config, InteractiveLoadReporter load,
                                Features features, StreamMetrics streams) {
        this.pipeline = pipeline;
        this.mapper = mapper;
        this.config = config;
        this.load = load;
        this.features = features;
        this.streams = streams;
    }

    void register(@Observes Router router) {
        router.post("/v1/chat/completions")
                .handler(BodyHandler.create(false).setBodyLimit(config.limits().maxBodyBytes()))
                .handler(this::handle)
                .failureHandler(this::failure);
    }

    private void handle(RoutingContext ctx) {
        long arrived = System.nanoTime();
        String requestId = "req_" + UUID.randomUUID().toString().replace("-", "");
        HttpServerResponse response = ctx.response().putHeader(REQUEST_ID_HEADER, requestId);
        load.begin();
        ctx.addEndHandler(ended -> load.end());
        CompletionContext context;
        JsonNode body;
        try {
            Caller caller = BearerAuthentication.caller(ctx);
            ApiKey apiKey = caller.requireTenantKey();
            context = context(ctx.request(), requestId, apiKey, caller.quota());
            body = parse(ctx.body().buffer());
            apiKey.checkModel(body.path("model").textValue());
        } catch (FleetException e) {
            ErrorResponses.write(response, mapper, e);
            return;
        }
        Uni<Completion> completion = ctx.body().length() > LARGE_BODY_BYTES
                ? Uni.createFrom().item(body).emitOn(Infrastructure.getDefaultWorkerPool())
                        .chain(b -> pipeline.complete(b, context))
                : pipeline.complete(body, context);
        // answers are written on the request's own event loop, whichever thread the pipeline finished on
        Context eventLoop = Vertx.currentContext();
        completion.subscribe().with(
                done -> eventLoop.runOnContext(v -> respond(ctx, done, context.feature(), arrived)),
                failure -> eventLoop.runOnContext(v -> ErrorResponses.write(response, mapper, ErrorResponses.asFleetException(failure, requestId))));
    }

    private CompletionContext context(HttpServerRequest request, String requestId, ApiKey apiKey, Quota quota) {
        String feature = RequestTags.feature(request.getHeader(RequestTags.FEATURE_HEADER), RequestTags.FEATURE_HEADER, features);
        apiKey.checkFeature(feature);
        String idempotencyKey = request.getHeader("Idempotency-Key");
        RequestTags.checkIdempotencyKey(idempotencyKey);
        String cacheControl = request.getHeader("Cache-Control");
        boolean bypass = cacheControl != null && (cacheControl.contains("no-cache") || cacheControl.contains("no-store"));
        return new CompletionContext(requestId, requestId, Lane.INTERACTIVE, feature, apiKey.tenant(), null, idempotencyKey, bypass,
                CallGate.OPEN, new Spend(), quota);
    }

    private JsonNode parse(Buffer body) {
        if (body == null || body.length() == 0) {
            throw FleetException.invalid("invalid_body", "The request body is empty; send an OpenAI chat completion request as JSON.");
        }
        return RequestJson.body(mapper, body.getBytes());
    }

    /** Writes the answer; a stream's time to its first chunk is metered from {@code arrived}. */
    private void respond(RoutingContext ctx, Completion completion, String feature, long arrived) {
        HttpServerResponse response = ctx.response()
                .putHeader(CACHE_HEADER, completion.source().equals("provider") ? "miss" : "hit")
                .putHeader(MODEL_HEADER, completion.modelUsed());
        if (completion.chargedUsd() != null) {
            response.putHeader(ProviderReply.CHARGED_HEADER, completion.chargedUsd().toPlainString());
        }
        if (completion.balanceUsd() != null) {
            response.putHeader(ProviderReply.BALANCE_HEADER, completion.balanceUsd().toPlainString());
        }
        if (!completion.streamed()) {
            response.putHeader("Content-Type", "application/json").end(completion.body().toString());
            return;
        }
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        if (completion.chargedUsd() == null) {
            response.putHeader("Trailer", ProviderReply.CHARGED_HEADER + ", " + ProviderReply.BALANCE_HEADER);
        }
        new SseWriter(response, mapper, () -> streams.firstByte(feature, completion.modelUsed(), arrived)).relay(completion.events(), completion.settled(), completion.chargedUsd() == null);
    }

    private void failure(RoutingContext ctx) {
        int status = ctx.statusCode();
        FleetException e = status == 413
                ? FleetException.rejected(413, "body_too_large",
                "The request body exceeds " + config.limits().maxBodyBytes() + " bytes.")
                : ErrorResponses.asFleetException(ctx.failure() == null ? new IllegalStateException("status " + status) : ctx.failure(),
                ctx.response().headers().get(REQUEST_ID_HEADER));
        ErrorResponses.write(ctx.response(), mapper, e);
    }
}
