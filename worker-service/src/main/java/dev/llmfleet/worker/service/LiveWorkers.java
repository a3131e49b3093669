package dev.llmfleet.worker.service;

import dev.llmfleet.common.redis.LuaScript;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.vertx.mutiny.redis.client.Response;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.llmfleet.worker.metrics.WorkerMetricNames.INSTANCES_LIVE;

/**
 * The worker instances alive now, so they can split the provider's budget ({@link WorkerShare}). Every
 * {@link #HEARTBEAT_MILLIS} each instance scores itself (its {@link JobLeases#owner()} id) with the time in the sorted
 * set {@link #KEY} on the state Redis and reads the set back in the same script; a member silent for
 * {@link #LIVE_MILLIS} (crashed, cut off) is dropped from it. A graceful shutdown removes the instance once its jobs
 * have drained, so the others take its share at once. If Redis cannot be reached the last roster stays.
 */
@ApplicationScoped
public class LiveWorkers {
    private static final Logger LOG = Logger.getLogger(LiveWorkers.class);
    public static final String KEY = "fleet:capacity:workers:v1";
    static final long HEARTBEAT_MILLIS = 1_000;
    /** An instance not heard from for longer is gone: its share goes to the others. */
    static final long LIVE_MILLIS = 5_000;
    /** KEYS[1] the set; ARGV this instance, now ms, live ms. Scores it, drops the silent, answers the members. */
    private static final LuaScript BEAT = LuaScript.load(LiveWorkers.class, "live-workers-beat");

    /** How many instances are live, and where this one ranks among them by id (0 = first). */
    record Roster(int count, int rank) {
        static final Roster ALONE = new Roster(1, 0);
    }

    private final ReactiveRedisDataSource redis;
    private final String self;
    private volatile Roster roster = Roster.ALONE;
    private volatile boolean left;

    public LiveWorkers(ReactiveRedisDataSource redis, JobLeases leases, MeterRegistry registry) {
        this.redis = redis;
        this.self = leases.owner();
        registry.gauge(INSTANCES_LIVE, this, workers -> workers.roster().count());
    }

    /**
     * The first beat at once: until one answers, this instance counts itself alone and its ceiling is the whole budget,
     * and the scheduler's first tick may be two seconds away.
     */
    void join(@Observes StartupEvent ignored) {
        beat();
    }

    /** After the drain ({@link JobLeases}, default priority): until its jobs are done this instance still calls the provider. */
    void leave(@Observes @Priority(Interceptor.Priority.APPLICATION + 600) ShutdownEvent ignored) {
        left = true; // the scheduler runs until the container stops: no beat may put this instance back
        try {
            redis.sortedSet(String.class).zrem(KEY, self).await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.warnf("could not leave the live workers (the others count this instance for %d ms more): %s", LIVE_MILLIS, e.toString());
        }
    }

    /** The latest roster this instance read (alone until the first heartbeat answers). */
    Roster roster() {
        return roster;
    }

    @Scheduled(every = HEARTBEAT_MILLIS / 1000 + "s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void beat() {
        if (left) {
            return;
        }
        BEAT.run(redis, List.of(KEY), List.of(self, Long.toString(System.currentTimeMillis()), Long.toString(LIVE_MILLIS)))
                .ifNoItem().after(Duration.ofMillis(HEARTBEAT_MILLIS)).fail()
                .subscribe().with(members -> roster = roster(members),
                        failure -> LOG.debugf("heartbeat not written (the last roster stays): %s", failure.toString()));
    }

    /** This instance is always one of them, even when the set does not show it (yet). */
    private Roster roster(Response members) {
        List<String> ids = new ArrayList<>();
        members.forEach(member -> ids.add(member.toString()));
        if (!ids.contains(self)) {
            ids.add(self);
        }
        Collections.sort(ids);
        return new Roster(ids.size(), ids.indexOf(self));
    }
}
