package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Refuses a job body whose declared length is over its limit before a byte of it is buffered, with an
 * OpenAI-style 413 (one job: {@code fleet.limits.max-body-bytes}; a batch: {@code quarkus.http.limits.max-body-size},
 * which Quarkus itself enforces, with a bare 413, for bodies sent without a Content-Length). A Vert.x route ahead of
 * JAX-RS because Quarkus checks the declared length before any JAX-RS filter runs.
 */
@ApplicationScoped
public class JobBodyLimits {
    private final FleetConfig fleet;
    private final ObjectMapper mapper;
    private final long batchMaxBytes;

    public JobBodyLimits(FleetConfig fleet, ObjectMapper mapper,
                         @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize batchMax) {
        this.fleet = fleet;
        this.mapper = mapper;
        this.batchMaxBytes = batchMax.asLongValue();
    }

    void register(@Observes Router router) {
        router.post("/v1/jobs").order(-100).handler(ctx -> check(ctx, fleet.limits().maxBodyBytes(),
                "A job body holds at most " + fleet.limits().maxBodyBytes() + " bytes; use POST /v1/jobs/batch for many jobs."));
        router.post("/v1/jobs/batch").order(-100).handler(ctx -> check(ctx, batchMaxBytes,
                "A batch body holds at most " + batchMaxBytes + " bytes; split it."));
    }

    private void check(RoutingContext ctx, long limit, String message) {
        String declared = ctx.request().getHeader("Content-Length");
        long length;
        try {
            length = declared == null ? -1 : Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            length = -1;
        }
        if (length <= limit) {
            ctx.next();
            return;
        }
        // the body is never read: answer, then drop the connection rather than drain megabytes nobody wants
        FleetException error = new FleetException(413, "invalid_request_error", "body_too_large", message);
        ctx.response().setStatusCode(413).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
                .end(ErrorResponses.json(mapper, error))
                .onComplete(done -> {
                    if (ctx.request().version() != HttpVersion.HTTP_2) {
                        ctx.request().connection().close();
                    }
                });
    }
}
