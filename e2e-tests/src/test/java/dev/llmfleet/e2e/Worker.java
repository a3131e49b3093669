package dev.llmfleet.e2e;

import dev.llmfleet.localstack.ServiceProcess;

import java.util.regex.Pattern;

/**
 * Reads a worker's own series from /q/metrics: what it has in hand and has done, the share of capacity billing allows
 * it, and its share of the provider's budget among the live workers.
 */
final class Worker {
    private static final Pattern BUSY = Metrics.series("fleet_worker_jobs_in_progress");
    private static final Pattern ASYNC_SHARE = Metrics.series("fleet_worker_async_share");
    private static final Pattern INSTANCES_LIVE = Metrics.series("fleet_worker_instances_live");
    private static final Pattern PROVIDER_SHARE = Metrics.series("fleet_worker_provider_share");
    private static final Pattern ASSIGNED_PARTITIONS = Metrics.series("kafka_consumer_coordinator_assigned_partitions");
    private static final Pattern SUCCEEDED = Pattern.compile(
            "^(fleet_jobs_completed_total)\\{[^}]*outcome=\"succeeded\"[^}]*} ([0-9.eE+-]+)(?: #.*)?$", Pattern.MULTILINE);

    private Worker() {
    }

    /** Jobs {@code worker} has taken from Kafka and not yet brought to an outcome. */
    static double busy(ServiceProcess worker) {
        Double busy = Metrics.sum(worker, BUSY);
        return busy == null ? 0 : busy;
    }

    /** The share of its capacity the balance allows the async lane: 0 while paused, 1 when unrestricted; null if not exposed. */
    static Double asyncShare(ServiceProcess worker) {
        return Metrics.sum(worker, ASYNC_SHARE);
    }

    /** Worker instances {@code worker} counts as live (itself included); null if not exposed. */
    static Double instancesLive(ServiceProcess worker) {
        return Metrics.sum(worker, INSTANCES_LIVE);
    }

    /** Provider calls {@code worker} may have in flight as its share of the provider budget; null without a budget. */
    static Double providerShare(ServiceProcess worker) {
        return Metrics.sum(worker, PROVIDER_SHARE);
    }

    /** Kafka partitions assigned to {@code worker}'s consumers (job topics and billing.state). */
    static double assignedPartitions(ServiceProcess worker) {
        Double assigned = Metrics.sum(worker, ASSIGNED_PARTITIONS);
        return assigned == null ? 0 : assigned;
    }

    /** Job runs {@code worker} brought to success. */
    static double succeeded(ServiceProcess worker) {
        Double succeeded = Metrics.sum(worker, SUCCEEDED);
        return succeeded == null ? 0 : succeeded;
    }

    /** Waits until the worker has been idle for a second (earlier tests' jobs, retries included, are done). */
    static void awaitIdle(ServiceProcess worker) {
        long deadline = System.currentTimeMillis() + 120_000;
        long idleSince = -1;
        while (System.currentTimeMillis() < deadline) {
            if (busy(worker) == 0) {
                if (idleSince < 0) {
                    idleSince = System.currentTimeMillis();
                } else if (System.currentTimeMillis() - idleSince >= 1_500) {
                    return;
                }
            } else {
                idleSince = -1;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("worker still busy after 120 s");
    }
}
