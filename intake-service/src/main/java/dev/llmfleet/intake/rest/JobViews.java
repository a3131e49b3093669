package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.llmfleet.common.api.ErrorBody;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.common.jobs.Priority;
import dev.llmfleet.intake.service.JobDetails;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** The JSON answers of the job API (DESIGN.md's shapes, snake_case). */
public final class JobViews {
    private JobViews() {
    }

    /** A submission's answer: {@code {id, status}}. */
    @Schema(name = "JobAccepted", description = "The job's id and status")
    public record JobAccepted(@Schema(example = "job_3f2a0c5e9b7d4e1f8a6c2b0d9e7f5a31") String id,
                       @Schema(type = SchemaType.STRING, enumeration = {"pending", "queued", "running", "succeeded", "failed", "dead_lettered", "cancelled"})
                       JobStatus status) {
    }

    /** A job as {@code GET /v1/jobs/{id}} answers it. */
    @Schema(name = "Job", description = "A job's state; result is the OpenAI chat completion once it succeeded")
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record JobView(String id,
                   @Schema(type = SchemaType.STRING, enumeration = {"pending", "queued", "running", "succeeded", "failed", "dead_lettered", "cancelled"})
                   JobStatus status,
                   @Schema(type = SchemaType.STRING, enumeration = {"high", "normal", "bulk"}) Priority priority,
                   String feature,
                   int attempts,
                   @Schema(description = "The model that served it, once known") String model,
                   @Schema(description = "USD the provider charged for it (decimal), once known")
                   @JsonSerialize(using = PlainDecimal.class) BigDecimal chargedUsd,
                   @Schema(type = SchemaType.OBJECT, description = "The OpenAI chat completion, once succeeded") JsonNode result,
                   String error,
                   Instant createdAt,
                   Instant finishedAt) {

        static JobView of(JobRecord record, JsonNode result) {
            return new JobView(record.id(), record.status(), record.priority(), record.feature(), record.attempts(), record.model(),
                    decimal(record.chargedUsd()), result, record.error(), record.createdAt(), record.finishedAt());
        }

        static JobView of(JobDetails details) {
            return of(details.record(), details.result());
        }

        private static BigDecimal decimal(String usd) {
            if (usd == null || usd.isBlank()) {
                return null;
            }
            try {
                return new BigDecimal(usd);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** A batch's answer: one entry per job, in input order. */
    @Schema(name = "BatchAccepted")
    public record BatchAccepted(List<BatchEntry> jobs) {
    }

    /** One job of a batch: {@code {id, status}} when it was accepted, {@code {error, line}} when it was refused. */
    @Schema(name = "BatchEntry", description = "{id, status} for an accepted job, {error, line} for a refused one")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BatchEntry(String id,
                      @Schema(type = SchemaType.STRING) JobStatus status,
                      ErrorBody.Error error,
                      @Schema(description = "1-based array position or JSON Lines line number of the refused job") Integer line) {

        static BatchEntry accepted(String id, JobStatus status) {
            return new BatchEntry(id, status, null, null);
        }

        static BatchEntry refused(int line, ErrorBody.Error error) {
            return new BatchEntry(null, null, error, line);
        }
    }

    /** Writes money as a plain JSON number ({@code 0.00001}, never {@code 1E-5}). */
    public static final class PlainDecimal extends JsonSerializer<BigDecimal> {
        @Override
        public void serialize(BigDecimal value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeNumber(value.toPlainString());
        }
    }
}
