package dev.llmfleet.worker.metrics;

/**
 * The worker's custom meters, named once (dotted, no units: the Prometheus registry adds {@code _total}). Tags stay
 * bounded: priority, status, and common's outcome and reason ({@code MetricNames.TAG_OUTCOME}, {@code TAG_REASON}).
 */
public final class WorkerMetricNames {
    /** Provider calls the worker lets run at once now (adaptive) → {@code fleet_worker_concurrency_limit}. */
    public static final String CONCURRENCY_LIMIT = "fleet.worker.concurrency.limit";
    /** The worker's provider calls in flight now → {@code fleet_worker_concurrency_in_flight}. */
    public static final String CONCURRENCY_IN_FLIGHT = "fleet.worker.concurrency.in.flight";
    /** Jobs ready to call the provider, waiting for a slot, by priority → {@code fleet_worker_jobs_waiting}. */
    public static final String JOBS_WAITING = "fleet.worker.jobs.waiting";
    /** Jobs taken from Kafka and not yet brought to an outcome → {@code fleet_worker_jobs_in_progress}. */
    public static final String JOBS_IN_PROGRESS = "fleet.worker.jobs.in.progress";
    /** Interactive requests in flight fleet-wide, as intake instances report them → {@code fleet_worker_interactive_in_flight}. */
    public static final String INTERACTIVE_IN_FLIGHT = "fleet.worker.interactive.in.flight";
    /** Provider calls this worker may have in flight (its share of the provider budget) → {@code fleet_worker_provider_share}. */
    public static final String PROVIDER_SHARE = "fleet.worker.provider.share";
    /** Worker instances alive fleet-wide, as this worker last read them → {@code fleet_worker_instances_live}. */
    public static final String INSTANCES_LIVE = "fleet.worker.instances.live";
    /** Share of its capacity the async lane may use (0 = paused) → {@code fleet_worker_async_share}. */
    public static final String ASYNC_SHARE = "fleet.worker.async.share";
    /** 1 while the provider refuses the fleet's API key and the async lane is paused for it → {@code fleet_worker_provider_key_refused}. */
    public static final String PROVIDER_KEY_REFUSED = "fleet.worker.provider.key.refused";

    /** Job runs' ends that applied, by priority and outcome → {@code fleet_jobs_completed_total}. */
    public static final String JOBS_COMPLETED = "fleet.jobs.completed";
    /** Redelivered jobs skipped because they had already finished, by status → {@code fleet_jobs_skipped_total}. */
    public static final String JOBS_SKIPPED = "fleet.jobs.skipped";
    /** Ended jobs whose result had not reached Kafka, published again, by status → {@code fleet_jobs_announced_again_total}. */
    public static final String JOBS_ANNOUNCED_AGAIN = "fleet.jobs.announced.again";
    /** Job records put back on the retry topic unrun, by reason → {@code fleet_jobs_parked_total}. */
    public static final String JOBS_PARKED = "fleet.jobs.parked";
    /** Runs whose end did not apply because another run had taken the job over → {@code fleet_jobs_superseded_total}. */
    public static final String JOBS_SUPERSEDED = "fleet.jobs.superseded";
    /** Result callbacks by outcome (delivered, failed, refused) → {@code fleet_jobs_callbacks_total}. */
    public static final String JOBS_CALLBACKS = "fleet.jobs.callbacks";

    public static final String TAG_PRIORITY = "priority";
    public static final String TAG_STATUS = "status";

    private WorkerMetricNames() {
    }
}
