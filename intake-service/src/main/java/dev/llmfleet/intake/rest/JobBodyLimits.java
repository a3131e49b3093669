package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.ErrorResponses;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.config.FleetConfig;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a job body the edge will not buffer before a byte of it is read: one whose declared length is over its
 * limit, with an OpenAI-style 413 (one job: {@code fleet.limits.max-body-bytes}; a batch:
 * {@code quarkus.http.limits.max-body-size}, which Quarkus itself enforces, with a bare 413, for bodies sent without
 * a Content-Length), and a batch that does not fit in {@link BatchBytesInFlight}, with 503 {@code server_busy}
 * ({@code Retry-After: 1}). An admitted batch's {@link BatchBytesInFlight.Reservation} is in the routing context
 * under {@link #RESERVATION} for {@link JobsResource}. A Vert.x route ahead of JAX-RS because Quarkus reads the body
 * before any JAX-RS filter runs.
 */
@ApplicationScoped
public class JobBodyLimits {
    /** Routing-context key of an admitted batch's reservation. */
    static final String RESERVATION = BatchBytesInFlight.Reservation.class.getName();
    static final long BUSY_RETRY_AFTER_SECONDS = 1;

    private final FleetConfig fleet;
    private final ObjectMapper mapper;
    private final BatchBytesInFlight inFlight;
    private final long batchMaxBytes;

    public JobBodyLimits(FleetConfig fleet, ObjectMapper mapper, BatchBytesInFlight inFlight,
                         @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize batchMax) {
        this.fleet = fleet;
        this.mapper = mapper;
        this.inFlight = inFlight;
        this.batchMaxBytes = batchMax.asLongValue();
    }

    void register(@Observes Router router) {
        router.post("/v1/jobs").order(-100).handler(this::job);
        router.post("/v1/jobs/batch").order(-100).handler(this::batch);
    }

    private void job(RoutingContext ctx) {
        if (declaredLength(ctx) > fleet.limits().maxBodyBytes()) {
            refuse(ctx, jobTooLarge(fleet.limits().maxBodyBytes()));
            return;
        }
        ctx.next();
    }

    private void batch(RoutingContext ctx) {
        long length = declaredLength(ctx);
        if (length > batchMaxBytes) {
            refuse(ctx, tooLarge("A batch body holds at most " + batchMaxBytes + " bytes; split it."));
            return;
        }
        // a body of unknown length may grow to the largest batch: that is what it holds
        BatchBytesInFlight.Reservation reservation = inFlight.reserve(length < 0 ? batchMaxBytes : length);
        if (reservation == null) {
            refuse(ctx, FleetException.serverError(503, "server_busy", "This instance is receiving or processing as many batch "
                    + "bytes as it holds at once (" + inFlight.limit() + "); retry after Retry-After seconds.", BUSY_RETRY_AFTER_SECONDS));
            return;
        }
        ctx.put(RESERVATION, reservation);
        ctx.addEndHandler(ended -> reservation.releaseUnlessTaken());
        ctx.next();
    }

    /** The declared Content-Length, or -1 when there is none (chunked) or it is not a number. */
    private static long declaredLength(RoutingContext ctx) {
        String declared = ctx.request().getHeader("Content-Length");
        try {
            return declared == null ? -1 : Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A single job's body over {@code maxBytes}: here when declared, in {@link JobsResource} when sent chunked. */
    static FleetException jobTooLarge(long maxBytes) {
        return tooLarge("A job body holds at most " + maxBytes + " bytes; use POST /v1/jobs/batch for many jobs.");
    }

    private static FleetException tooLarge(String message) {
        return FleetException.rejected(413, "body_too_large", message);
    }

    /** Answers without reading the body, then drops the connection rather than drain megabytes nobody wants. */
    private void refuse(RoutingContext ctx, FleetException error) {
        ctx.response().putHeader("Connection", "close");
        ErrorResponses.write(ctx.response(), mapper, error).onComplete(done -> {
            if (ctx.request().version() != HttpVersion.HTTP_2) {
                ctx.request().connection().close();
            }
        });
    }
}
