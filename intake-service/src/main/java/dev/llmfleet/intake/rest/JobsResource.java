package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.ErrorBody;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.BearerAuthentication;
import dev.llmfleet.common.auth.Caller;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.quota.QuotaGate;
import dev.llmfleet.common.validation.RequestTags;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.intake.rest.JobViews.BatchAccepted;
import dev.llmfleet.intake.rest.JobViews.BatchEntry;
import dev.llmfleet.intake.rest.JobViews.JobAccepted;
import dev.llmfleet.intake.rest.JobViews.JobView;
import dev.llmfleet.intake.service.BatchSubmitter;
import dev.llmfleet.intake.service.JobOutcome;
import dev.llmfleet.intake.service.JobService;
import dev.llmfleet.intake.service.JobSubmission;
import dev.llmfleet.intake.service.JobValidator;
import dev.llmfleet.intake.service.RequestJson;
import io.smallrye.mutiny.Uni;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.function.Supplier;

/**
 * The async lane's API: submit one job or a batch (validated like an interactive request, stored in Redis, put on
 * Kafka by priority; answered only once the broker has it), read a job, cancel a job that has not started.
 */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Jobs", description = "Asynchronous chat completions, run by the workers at a controlled rate")
public class JobsResource {
    public static final String EXISTING_JOB_HEADER = "X-Fleet-Existing-Job";
    static final String NDJSON = "application/x-ndjson";
    static final String JSONL = "application/jsonl";
    /** Bodies above this are parsed and validated on a worker thread: tokenising them would hold the event loop. */
    static final int LARGE_BODY_BYTES = 64 * 1024;
    private static final String EXAMPLE = """
            {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Summarise: ..."}],
             "feature": "doc-summarize", "priority": "bulk", "callback_url": "https://hooks.example.com/llm"}""";

    private final JobValidator validator;
    private final JobService jobs;
    private final BatchSubmitter batches;
    private final FleetConfig fleet;
    private final ObjectMapper mapper;
    private final QuotaGate quota;

    public JobsResource(JobValidator validator, JobService jobs, BatchSubmitter batches, FleetConfig fleet, ObjectMapper mapper,
                        QuotaGate quota) {
        this.quota = quota;
        this.validator = validator;
        this.jobs = jobs;
        this.batches = batches;
        this.fleet = fleet;
        this.mapper = mapper;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a job", description = "An OpenAI chat body plus optional 'feature' (else X-Fleet-Feature, else the "
            + "default feature), 'priority' (high, normal, bulk; default normal) and 'callback_url' (public http(s) URL). The same "
            + "Idempotency-Key, or the same normalised input without one, names the same job: a resubmission answers 200 with it "
            + "(X-Fleet-Existing-Job: true) unless it failed, was dead-lettered or cancelled, in which case it is queued again, "
            + "or is still pending (its earlier submission was not acknowledged by Kafka), in which case it is sent again.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.OBJECT), examples = @ExampleObject(name = "job", value = EXAMPLE)))
    @APIResponse(responseCode = "202", description = "Queued: the job is in Kafka",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobAccepted.class)))
    @APIResponse(responseCode = "200", description = "The job already exists (header X-Fleet-Existing-Job: true); nothing was enqueued",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobAccepted.class)))
    @APIResponse(responseCode = "400", description = "Invalid job (invalid_json, invalid_priority, invalid_callback_url, unknown_feature, "
            + "a bad parameter named in error.param, ...): nothing enqueued",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "404", description = "Unknown model (model_not_found): nothing enqueued",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "429", description = "Over the key's requests per minute (rate_limit_exceeded, Retry-After): nothing enqueued",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "413", description = "Body too large",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "503", description = "Kafka (queue_unavailable) or the job store (job_store_unavailable) cannot take "
            + "the job now; retry after Retry-After seconds with the same request. After queue_unavailable the job is kept pending "
            + "and may still run, once; after job_store_unavailable it may have been stored all the same, and then runs once too",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    public Uni<Response> submit(byte[] body,
                                @Parameter(description = "Feature when the body names none") @HeaderParam(RequestTags.FEATURE_HEADER) String feature,
                                @Parameter(description = "1-255 printable ASCII characters; the same key names the same job") @HeaderParam("Idempotency-Key") String key,
                                @Context RoutingContext exchange) {
        Caller caller = BearerAuthentication.caller(exchange);
        ApiKey apiKey = caller.requireTenantKey();
        Supplier<JobSubmission> validation = () -> {
            if (body.length > fleet.limits().maxBodyBytes()) {
                throw JobBodyLimits.jobTooLarge(fleet.limits().maxBodyBytes());
            }
            JobValidator.checkIdempotencyKey(key);
            return validator.validate(parse(body), feature, key, apiKey);
        };
        Uni<JobSubmission> validated = body.length > LARGE_BODY_BYTES
                ? Uni.createFrom().item(validation).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                : Uni.createFrom().item(validation);
        return validated.call(() -> quota.admitJobs(caller.quota(), 1)).chain(jobs::submit).map(JobsResource::answer);
    }

    @POST
    @Path("/batch")
    @Consumes({MediaType.APPLICATION_JSON, NDJSON, JSONL, MediaType.TEXT_PLAIN})
    @Operation(summary = "Submit many jobs", description = "A JSON array (application/json) or JSON Lines (application/x-ndjson, "
            + "application/jsonl, text/plain) of job bodies as for POST /v1/jobs, each optionally with its own 'idempotency_key'. "
            + "Each job is validated and enqueued on its own: the answer has one entry per job, in input order, either {id, status} "
            + "or {error, line}. Answered once every accepted job is in Kafka. The Idempotency-Key header does not apply to a batch.")
    @RequestBody(required = true, content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = Object.class)),
            @Content(mediaType = NDJSON, schema = @Schema(type = SchemaType.STRING, description = "One job body per line"))})
    @APIResponse(responseCode = "202", description = "One entry per job, in input order",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchAccepted.class)))
    @APIResponse(responseCode = "400", description = "The body cannot be split into jobs (invalid_json, invalid_batch, empty_batch)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "413", description = "Too many jobs (batch_too_large) or too many bytes",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "429", description = "The batch's valid jobs do not fit the key's requests per minute "
            + "(rate_limit_exceeded; Retry-After unless the batch is larger than a minute's worth): nothing enqueued",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "503", description = "This instance holds as many batch bytes as fleet.jobs.batch-bytes-in-flight "
            + "allows (server_busy): the body was not read; retry after Retry-After seconds",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @Blocking
    public Response submitBatch(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                                @Parameter(description = "Feature for jobs that name none") @HeaderParam(RequestTags.FEATURE_HEADER) String feature,
                                @Context RoutingContext exchange) {
        // blocking on purpose: splitting and tokenising thousands of jobs is CPU work that must not hold an event loop,
        // and the answer has to wait for every broker acknowledgement anyway. The body's bytes stay reserved until then,
        // even if the client leaves: the work (and the memory) goes on without it.
        Caller caller = BearerAuthentication.caller(exchange);
        caller.requireTenantKey();
        BatchBytesInFlight.Reservation reservation = exchange.get(JobBodyLimits.RESERVATION);
        if (!reservation.take()) {
            // the exchange is over (the client left): its bytes are released, so nothing is done with them
            throw FleetException.serverError(503, "server_busy", "The batch's connection closed before it was processed.",
                    JobBodyLimits.BUSY_RETRY_AFTER_SECONDS);
        }
        try (reservation) {
            boolean jsonArray = contentType == null || MediaType.valueOf(contentType).isCompatible(MediaType.APPLICATION_JSON_TYPE);
            List<BatchEntry> entries = batches.submit(body, jsonArray, feature, caller).stream().map(JobsResource::entry).toList();
            return Response.accepted(new BatchAccepted(entries)).build();
        }
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Read a job", description = "Its status, and the OpenAI chat completion in 'result' once it succeeded")
    @APIResponse(responseCode = "200", description = "The job",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", ref = "JobNotFound")
    @APIResponse(responseCode = "503", ref = "JobStoreUnavailable")
    public Uni<Response> get(@PathParam("id") String id, @Context RoutingContext exchange) {
        return jobs.find(id, BearerAuthentication.caller(exchange).requireTenantKey().tenant())
                .onItem().ifNull().failWith(() -> notFound(id))
                .map(details -> Response.ok(JobView.of(details)).build());
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Cancel a job", description = "Only a pending or queued job can be cancelled; a worker never starts a cancelled job")
    @APIResponse(responseCode = "200", description = "Cancelled; the job",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", ref = "JobNotFound")
    @APIResponse(responseCode = "409", description = "Already started or finished (job_not_cancellable); the message names its status",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "503", ref = "JobStoreUnavailable")
    public Uni<Response> cancel(@PathParam("id") String id, @Context RoutingContext exchange) {
        return jobs.cancel(id, BearerAuthentication.caller(exchange).requireTenantKey().tenant()).map(change -> {
            if (change.record() == null) {
                throw notFound(id);
            }
            if (!change.applied()) {
                JobStatus status = change.record().status();
                throw FleetException.rejected(409, "job_not_cancellable",
                        "Job " + id + " is " + status.json() + "; only a pending or queued job can be cancelled.");
            }
            return Response.ok(JobView.of(change.record(), null)).build();
        });
    }

    private static Response answer(JobOutcome outcome) {
        Response.ResponseBuilder response = outcome.existing()
                ? Response.ok().header(EXISTING_JOB_HEADER, "true")
                : Response.accepted();
        return response.header("Location", "/v1/jobs/" + outcome.id())
                .entity(new JobAccepted(outcome.id(), outcome.status())).build();
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw FleetException.invalid("invalid_body", "The request body is empty; send a job as JSON.");
        }
        return RequestJson.body(mapper, body);
    }

    private static BatchEntry entry(BatchSubmitter.LineResult result) {
        return result.outcome() != null
                ? BatchEntry.accepted(result.outcome().id(), result.outcome().status())
                : BatchEntry.refused(result.line(), ErrorBody.of(result.error()).error());
    }

    private static FleetException notFound(String id) {
        return FleetException.rejected(404, "job_not_found", "No job with id '" + id + "'.");
    }
}
