package dev.llmfleet.e2e;

import dev.llmfleet.localstack.ServiceProcess;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a worker's own gauges from /q/metrics, to wait until it has nothing in hand. */
final class Worker {
    private static final Pattern GAUGE = Pattern.compile("^(fleet_worker_concurrency_in_flight|fleet_worker_jobs_waiting)\\{[^}]*} ([0-9.eE+-]+)$",
            Pattern.MULTILINE);

    private Worker() {
    }

    /** Jobs running or waiting for a slot in {@code worker}. */
    static double busy(ServiceProcess worker) {
        String metrics = Http.get(worker.url() + "/q/metrics").body();
        double busy = 0;
        Matcher m = GAUGE.matcher(metrics);
        while (m.find()) {
            busy += Double.parseDouble(m.group(2));
        }
        return busy;
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
