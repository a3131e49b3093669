package dev.llmfleet.e2e;

import dev.llmfleet.localstack.ServiceProcess;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a worker's own gauges from /q/metrics: what it has in hand, the share of capacity billing allows it. */
final class Worker {
    private static final Pattern BUSY = gauge("fleet_worker_jobs_in_progress");
    private static final Pattern ASYNC_SHARE = gauge("fleet_worker_async_share");

    private Worker() {
    }

    private static Pattern gauge(String names) {
        return Pattern.compile("^(" + names + ")\\{[^}]*} ([0-9.eE+-]+)$", Pattern.MULTILINE);
    }

    /** Sum of the series' samples, or null when the worker does not expose the series (yet). */
    private static Double sum(ServiceProcess worker, Pattern series) {
        String metrics = Http.get(worker.url() + "/q/metrics").body();
        Double sum = null;
        Matcher m = series.matcher(metrics);
        while (m.find()) {
            sum = (sum == null ? 0 : sum) + Double.parseDouble(m.group(2));
        }
        return sum;
    }

    /** Jobs {@code worker} has taken from Kafka and not yet brought to an outcome. */
    static double busy(ServiceProcess worker) {
        Double busy = sum(worker, BUSY);
        return busy == null ? 0 : busy;
    }

    /** The share of its capacity the balance allows the async lane: 0 while paused, 1 when unrestricted; null if not exposed. */
    static Double asyncShare(ServiceProcess worker) {
        return sum(worker, ASYNC_SHARE);
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
