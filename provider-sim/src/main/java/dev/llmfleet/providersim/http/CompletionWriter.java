package dev.llmfleet.providersim.http;

import dev.llmfleet.providersim.config.StreamChargeMode;
import dev.llmfleet.providersim.json.SimJson;
import dev.llmfleet.providersim.service.Completion;
import dev.llmfleet.providersim.service.Money;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.math.BigDecimal;

/**
 * Delivers a decided {@link Completion} as an OpenAI chat completion, JSON or SSE, over simulated
 * time. Latency is made of Vert.x timers, never sleeps: the event loop keeps serving others.
 */
final class CompletionWriter {

    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
    private static final String DONE = "data: [DONE]\n\n";

    /**
     * How to deliver one answer.
     *
     * @param firstByteDelayMs wait before anything is sent (base latency + stall)
     * @param perTokenMs       wait per completion token (a stream sends each token when it is "generated")
     * @param dropStream       close the connection halfway through a stream
     */
    record Delivery(BigDecimal charged, BigDecimal balanceAfter, StreamChargeMode chargeMode,
                    long firstByteDelayMs, long perTokenMs, boolean dropStream) {
    }

    private CompletionWriter() {
    }

    static void deliver(RoutingContext ctx, Completion completion, boolean stream, Delivery delivery) {
        if (stream) {
            Runnable start = () -> new SseStream(ctx, completion, delivery).start();
            after(ctx, delivery.firstByteDelayMs(), start);
        } else {
            long delay = delivery.firstByteDelayMs() + delivery.perTokenMs() * completion.completionTokens();
            after(ctx, delay, () -> {
                Responses.money(ctx.response(), delivery.charged(), delivery.balanceAfter());
                Responses.json(ctx, 200, Buffer.buffer(json(completion)));
            });
        }
    }

    /** Runs {@code action} after {@code delayMs} on this request's event loop, unless the client has gone. */
    private static void after(RoutingContext ctx, long delayMs, Runnable action) {
        if (delayMs <= 0) {
            action.run();
            return;
        }
        ctx.vertx().setTimer(delayMs, id -> {
            if (!ctx.response().closed()) {
                action.run();
            }
        });
    }

    static String json(Completion c) {
        StringBuilder sb = new StringBuilder(256 + c.completionTokens() * 8);
        sb.append("{\"id\":\"").append(c.id()).append("\",\"object\":\"chat.completion\",\"created\":").append(c.created())
                .append(",\"model\":").append(SimJson.quote(c.model()))
                .append(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":")
                .append(SimJson.quote(c.content()))
                .append("},\"logprobs\":null,\"finish_reason\":\"").append(c.finishReason()).append("\"}],");
        appendUsage(sb, c);
        return sb.append('}').toString();
    }

    private static void appendUsage(StringBuilder sb, Completion c) {
        sb.append("\"usage\":{\"prompt_tokens\":").append(c.promptTokens())
                .append(",\"completion_tokens\":").append(c.completionTokens())
                .append(",\"total_tokens\":").append(c.promptTokens() + c.completionTokens()).append('}');
    }

    /** One streamed answer: role chunk, one chunk per token, finish chunk, usage chunk, charge (per mode), [DONE]. */
    private static final class SseStream {

        private final RoutingContext ctx;
        private final HttpServerResponse response;
        private final Completion completion;
        private final Delivery delivery;
        /** Every chunk starts the same way up to the choices array. */
        private final String prefix;
        private final int dropAfter;
        private int next;

        SseStream(RoutingContext ctx, Completion completion, Delivery delivery) {
            this.ctx = ctx;
            this.response = ctx.response();
            this.completion = completion;
            this.delivery = delivery;
            this.prefix = "data: {\"id\":\"" + completion.id() + "\",\"object\":\"chat.completion.chunk\",\"created\":"
                    + completion.created() + ",\"model\":" + SimJson.quote(completion.model()) + ",\"choices\":[";
            this.dropAfter = delivery.dropStream() ? completion.pieces().length / 2 : -1;
        }

        void start() {
            response.setStatusCode(200).setChunked(true)
                    .putHeader(HttpHeaders.CONTENT_TYPE, EVENT_STREAM)
                    .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
            // The charge is known up front (the whole answer is decided), but only the header mode says so
            // before the body; the other modes show the balance as it was before this call.
            BigDecimal balanceBefore = delivery.balanceAfter().add(delivery.charged());
            switch (delivery.chargeMode()) {
                case HEADER -> Responses.money(response, delivery.charged(), delivery.balanceAfter());
                case TRAILER -> response.putHeader(Responses.BALANCE_HEADER, Money.format(balanceBefore))
                        .putHeader("Trailer", Responses.CHARGED_HEADER + ", " + Responses.BALANCE_HEADER);
                case EVENT -> response.putHeader(Responses.BALANCE_HEADER, Money.format(balanceBefore));
            }
            Buffer out = Buffer.buffer(1024);
            out.appendString(prefix).appendString("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
            pump(out);
        }

        /** Appends tokens until one must wait for the per-token timer, the drop point, or the end. */
        private void pump(Buffer out) {
            String[] pieces = completion.pieces();
            long perToken = delivery.perTokenMs();
            while (next < pieces.length && next != dropAfter) {
                if (perToken > 0 && out.length() > 0) {
                    response.write(out);
                    ctx.vertx().setTimer(perToken, id -> {
                        if (!response.closed()) {
                            pump(Buffer.buffer(256));
                        }
                    });
                    return;
                }
                out.appendString(prefix).appendString("{\"index\":0,\"delta\":{\"content\":").appendString(SimJson.quote(pieces[next++]))
                        .appendString("},\"finish_reason\":null}]}\n\n");
            }
            if (next == dropAfter) {
                // Simulated network failure: what was written reaches the client, then the connection dies. Closing the
                // connection (not reset(), which skips the close handlers on HTTP/1.1) ends the request's end handlers:
                // the in-flight count, the rate-limit slot and a waiting idempotent repeat are released.
                response.write(out).onComplete(done -> ctx.request().connection().close());
                return;
            }
            finish(out);
        }

        private void finish(Buffer out) {
            out.appendString(prefix).appendString("{\"index\":0,\"delta\":{},\"finish_reason\":\"")
                    .appendString(completion.finishReason()).appendString("\"}]}\n\n");
            // Always sent (not only with stream_options.include_usage): billing must never be blind.
            StringBuilder usage = new StringBuilder(prefix.length() + 96).append(prefix).append("],");
            appendUsage(usage, completion);
            out.appendString(usage.append("}\n\n").toString());
            String charged = Money.format(delivery.charged());
            String balance = Money.format(delivery.balanceAfter());
            if (delivery.chargeMode() == StreamChargeMode.EVENT) {
                out.appendString("data: {\"object\":\"mdb.charge\",\"id\":\"" + completion.id() + "\",\"charged_usd\":\""
                        + charged + "\",\"balance_usd\":\"" + balance + "\"}\n\n");
            } else if (delivery.chargeMode() == StreamChargeMode.TRAILER) {
                response.trailers().set(Responses.CHARGED_HEADER, charged).set(Responses.BALANCE_HEADER, balance);
            }
            response.end(out.appendString(DONE));
        }
    }
}
