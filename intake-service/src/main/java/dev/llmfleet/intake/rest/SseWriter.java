package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.ErrorResponses;
import dev.llmfleet.common.provider.ProviderReply;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.pipeline.Completion;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;

import java.util.concurrent.Flow;

/**
 * Writes a stream of chunk payloads as SSE, each as soon as it arrives, with back-pressure: the next
 * chunk is requested only while the connection can take it. Ends with {@code [DONE]} and, when the
 * charge was not known up front, the charge as HTTP trailers. A caller who hangs up cancels the
 * provider stream. {@code firstChunk} runs once, when the first chunk is written.
 */
final class SseWriter implements MultiSubscriber<String> {
    private final HttpServerResponse response;
    private final ObjectMapper mapper;
    private final Context context;
    private final Runnable firstChunk;
    private boolean written;
    private Flow.Subscription upstream;
    private Uni<Completion.Charge> settled;
    private boolean trailers;

    SseWriter(HttpServerResponse response, ObjectMapper mapper, Runnable firstChunk) {
        this.response = response;
        this.mapper = mapper;
        this.firstChunk = firstChunk;
        this.context = Vertx.currentContext();
    }

    void relay(Multi<String> events, Uni<Completion.Charge> settled, boolean trailers) {
        this.settled = settled;
        this.trailers = trailers;
        response.closeHandler(v -> {
            if (upstream != null) {
                upstream.cancel();
            }
        });
        response.drainHandler(v -> upstream.request(1));
        events.subscribe().withSubscriber(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.upstream = subscription;
        subscription.request(1);
    }

    @Override
    public void onItem(String payload) {
        onContext(() -> {
            if (response.closed()) {
                return;
            }
            response.write("data: " + payload + "\n\n");
            if (!written) {
                written = true;
                firstChunk.run();
            }
            if (!response.writeQueueFull()) {
                upstream.request(1);
            }
        });
    }

    @Override
    public void onFailure(Throwable failure) {
        onContext(() -> {
            if (response.closed() || response.ended()) {
                return;
            }
            var error = FleetException.serverError(502, "stream_interrupted",
                    "The provider's stream broke off before the answer was complete.");
            response.write("data: " + ErrorResponses.json(mapper, error) + "\n\n");
            response.end();
        });
    }

    @Override
    public void onCompletion() {
        onContext(() -> {
            if (response.closed() || response.ended()) {
                return;
            }
            response.write("data: [DONE]\n\n");
            if (!trailers) {
                response.end();
                return;
            }
            settled.subscribe().with(charge -> onContext(() -> {
                if (charge.chargedUsd() != null) {
                    response.trailers().set(ProviderReply.CHARGED_HEADER, charge.chargedUsd().toPlainString());
                }
                if (charge.balanceUsd() != null) {
                    response.trailers().set(ProviderReply.BALANCE_HEADER, charge.balanceUsd().toPlainString());
                }
                response.end();
            }), failure -> onContext(response::end));
        });
    }

    private void onContext(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }
}
