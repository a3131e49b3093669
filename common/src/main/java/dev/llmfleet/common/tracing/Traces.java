package dev.llmfleet.common.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.reactive.messaging.TracingMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The OpenTelemetry trace a request or job belongs to, carried across Kafka. The Kafka connector writes an outgoing
 * message's trace into its {@code traceparent} header and reads an incoming one's back, but only as the message's
 * {@link TracingMetadata}: these send a message within the trace it was made in (whichever thread the connector
 * sends it from) and process a consumed message within its producer's trace.
 */
public final class Traces {
    private Traces() {
    }

    /** The current trace's id (32 hex digits), null when there is no trace. */
    public static String currentTraceId() {
        SpanContext span = Span.current().getSpanContext();
        return span.isValid() ? span.getTraceId() : null;
    }

    /** Metadata sending a message as part of the current trace. */
    public static TracingMetadata current() {
        return of(Context.current());
    }

    /** Metadata sending a message as part of {@code trace}. */
    public static TracingMetadata of(Context trace) {
        return TracingMetadata.withCurrent(trace);
    }

    /**
     * Makes {@code message}'s trace (its consumer span, a child of the producer's) the current one for the rest of
     * the message's processing. The connector runs each message on a Vert.x context of its own; the trace is kept
     * there (Quarkus' context storage), so every later step on it (Redis, provider calls, the messages it sends)
     * belongs to the trace, which is left behind with the message's context (no scope to close). Outside such a
     * context nothing changes.
     */
    public static void adopt(Message<?> message) {
        if (VertxContext.isOnDuplicatedContext()) {
            TracingMetadata.fromMessage(message).map(TracingMetadata::getCurrentContext).ifPresent(Context::makeCurrent);
        }
    }
}
