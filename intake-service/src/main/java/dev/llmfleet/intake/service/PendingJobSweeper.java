package dev.llmfleet.intake.service;

import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.common.metrics.MetricNames;
import dev.llmfleet.intake.config.JobsConfig;
import dev.llmfleet.intake.metrics.IntakeMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.stream.Collectors;

/**
 * Sends again every job left {@code pending} longer than {@code fleet.jobs.pending.republish-after}: intake died
 * between storing it and Kafka's acknowledgement, or Kafka refused it and its caller never came back. Each
 * instance sweeps; a job is claimed in Redis before it is sent, so one sweep of one instance sends it per period.
 * A duplicate in Kafka (the first send did arrive after all) is harmless: a worker starts a job only by a
 * compare-and-set on its status.
 */
@ApplicationScoped
public class PendingJobSweeper {
    private static final Logger LOG = Logger.getLogger(PendingJobSweeper.class);
    /** Claims and sends at once within one sweep. */
    private static final int CONCURRENCY = 16;

    private final JobStore store;
    private final JobService jobs;
    private final JobsConfig.Pending config;
    private final Counter swept;

    public PendingJobSweeper(JobStore store, JobService jobs, JobsConfig config, MeterRegistry registry) {
        this.store = store;
        this.jobs = jobs;
        this.config = config.pending();
        this.swept = Counter.builder(IntakeMetricNames.JOBS_REPUBLISHED).tag(MetricNames.TAG_REASON, "swept")
                .description("Pending jobs sent to Kafka again").register(registry);
    }

    /** One sweep every {@code fleet.jobs.pending.sweep-every}; a sweep still running when the next is due skips it. */
    @Scheduled(identity = "pending-job-sweep", every = "${fleet.jobs.pending.sweep-every}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        Instant now = Instant.now();
        Instant cutoff = now.minus(config.republishAfter());
        return store.pendingSince(cutoff, config.sweepBatch())
                .onItem().transformToMulti(ids -> Multi.createFrom().iterable(ids))
                .onItem().transformToUni(id -> republish(id, cutoff, now)).merge(CONCURRENCY)
                .filter(Boolean::booleanValue)
                .collect().with(Collectors.counting())
                .invoke(sent -> {
                    if (sent > 0) {
                        LOG.infof("sent %d jobs pending since before %s to Kafka again", sent, cutoff);
                    }
                })
                .replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("pending jobs could not be swept (the job store failed), next try in %s: %s", config.sweepEvery(),
                            failure.toString());
                    return null;
                });
    }

    /** True when job {@code id} was claimed and Kafka acknowledged it; a failed send waits for a later sweep. */
    private Uni<Boolean> republish(String id, Instant cutoff, Instant now) {
        return store.claimPending(id, cutoff, now)
                .chain(message -> {
                    if (message == null) {
                        return Uni.createFrom().item(false);
                    }
                    swept.increment();
                    return jobs.enqueue(message).replaceWith(true);
                })
                .onFailure().recoverWithItem(failure -> {
                    // a refused send was logged by enqueue; a job store failure is logged here, once per job
                    if (!(failure instanceof FleetException)) {
                        LOG.warnf("pending job %s not claimed, next try in %s: %s", id, config.sweepEvery(), failure.toString());
                    }
                    return false;
                });
    }
}
