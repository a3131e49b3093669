package dev.llmfleet.worker.service;

import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.worker.config.WorkerConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs this worker instance has in hand, and their leases: one periodic Redis call renews the leases of all of
 * them, so a job stays this instance's while it runs and becomes another's soon after the instance dies. On shutdown
 * (SIGTERM) it drains: no new job is taken, in-flight ones get {@code drain-timeout} to finish, and the leases of any
 * still running are handed back so the partition's next owner takes their redelivered records at once.
 */
// made at startup: its timer runs on the Vert.x context it was set from, which for a bean first used by a request or
// job would be that request's own (its trace would then collect every later tick's Redis calls)
@Startup
@ApplicationScoped
public class JobLeases {
    private static final Logger LOG = Logger.getLogger(JobLeases.class);
    /** A job claimed here whose start transition has not applied yet. */
    private static final int NOT_STARTED = 0;

    private final String owner = UUID.randomUUID().toString();
    private final Map<String, Integer> runs = new ConcurrentHashMap<>();
    private final JobStore jobs;
    private final Vertx vertx;
    private final Duration lease;
    private final Duration drainTimeout;
    private final long renewals;
    private volatile boolean draining;

    public JobLeases(JobStore jobs, Vertx vertx, WorkerConfig config) {
        this.jobs = jobs;
        this.vertx = vertx;
        this.lease = config.lease();
        this.drainTimeout = config.drainTimeout();
        // a Vert.x timer, not @Scheduled: its period is a third of the configured lease (under a second for a short
        // lease, finer than the scheduler's once a second), and the drain must stop it before handing the leases back
        this.renewals = vertx.setPeriodic(Math.max(1, lease.toMillis() / 3), id -> renew());
    }

    /** This instance's id: the owner of the jobs it runs. */
    public String owner() {
        return owner;
    }

    public Duration lease() {
        return lease;
    }

    /** Takes job {@code id} in hand; false when this instance already has it (a duplicate record). */
    public boolean claim(String id) {
        return runs.putIfAbsent(id, NOT_STARTED) == null;
    }

    /** The claimed job's run {@code run} started: its lease is renewed from now on. */
    public void started(String id, int run) {
        runs.replace(id, run);
    }

    /** The job left this instance's hands (finished, put aside, or given up). */
    public void release(String id) {
        runs.remove(id);
    }

    /** Shutting down: records consumed now are left unacknowledged, for the partition's next owner. */
    public boolean draining() {
        return draining;
    }

    private void renew() {
        Map<String, Integer> held = started();
        if (!held.isEmpty()) {
            jobs.renew(owner, lease, held).subscribe().with(renewed -> { },
                    failure -> LOG.warnf("could not renew the leases of %d jobs: %s", held.size(), failure.toString()));
        }
    }

    private Map<String, Integer> started() {
        Map<String, Integer> held = new HashMap<>();
        runs.forEach((id, run) -> {
            if (run != NOT_STARTED) {
                held.put(id, run);
            }
        });
        return held;
    }

    /** Runs on the shutdown thread before the Kafka connector closes, so finished jobs still publish and commit. */
    void drain(@Observes ShutdownEvent ignored) throws InterruptedException {
        draining = true;
        Instant deadline = Instant.now().plus(drainTimeout);
        while (!runs.isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        vertx.cancelTimer(renewals);
        Map<String, Integer> held = started();
        if (!held.isEmpty()) {
            LOG.warnf("shutting down with %d jobs still running: handing their leases back", held.size());
            try {
                jobs.renew(owner, Duration.ZERO, held).await().atMost(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warnf("could not hand back leases (they expire within %s): %s", lease, e.toString());
            }
        }
    }
}
