package dev.llmfleet.intake.metrics;

/**
 * Intake's own custom meters, named once (dotted, no units: the Prometheus registry adds the base unit). The series
 * intake shares with the worker (the completion pipeline's) are named in common's {@code MetricNames}.
 */
public final class IntakeMetricNames {
    /** Bytes of {@code POST /v1/jobs/batch} bodies this instance is receiving or processing → {@code fleet_jobs_batch_in_flight_bytes}. */
    public static final String BATCH_IN_FLIGHT = "fleet.jobs.batch.in.flight";
    /** Pending jobs sent to Kafka again, by reason (swept, resubmitted) → {@code fleet_jobs_republished_total}. */
    public static final String JOBS_REPUBLISHED = "fleet.jobs.republished";

    /** Time from a streamed request's arrival to its first chunk written to the caller → {@code fleet_stream_first_byte_seconds}. */
    public static final String STREAM_FIRST_BYTE = "fleet.stream.first.byte";

    public static final String BYTES = "bytes";

    private IntakeMetricNames() {
    }
}
