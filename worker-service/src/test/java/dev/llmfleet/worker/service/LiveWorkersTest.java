package dev.llmfleet.worker.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The worker's heartbeat in the state Redis ({@link WorkerStack}): others are counted while they beat, and not after. */
@QuarkusTest
@WithTestResource(WorkerStack.class)
class LiveWorkersTest {
    @Inject
    LiveWorkers workers;
    @Inject
    JobLeases leases;
    @Inject
    RedisDataSource redis;
    @Inject
    MeterRegistry registry;

    @Test
    void anotherWorkerCountsWhileItBeatsIsDroppedOnceSilentAndThisOneLeavesAtShutdown() {
        await().atMost(Duration.ofSeconds(10)).until(() -> inSet(leases.owner()));
        String other = "0-another-worker"; // ranks before this one's uuid
        redis.sortedSet(String.class).zadd(LiveWorkers.KEY, System.currentTimeMillis(), other);
        await().atMost(Duration.ofSeconds(5)).until(() -> workers.roster().count() == 2);
        assertThat(workers.roster().rank()).isEqualTo(1);
        assertThat(registry.get("fleet.worker.instances.live").gauge().value()).isEqualTo(2.0);

        redis.sortedSet(String.class).zadd(LiveWorkers.KEY, System.currentTimeMillis() - LiveWorkers.LIVE_MILLIS - 1, other);
        await().atMost(Duration.ofSeconds(5)).until(() -> workers.roster().count() == 1);
        assertThat(inSet(other)).as("a silent member is removed from the set").isFalse();
        assertThat(workers.roster().rank()).isZero();

        workers.leave(new ShutdownEvent());
        assertThat(inSet(leases.owner())).as("a graceful shutdown leaves at once").isFalse();
        await().during(Duration.ofMillis(2 * LiveWorkers.HEARTBEAT_MILLIS)).atMost(Duration.ofSeconds(5))
                .until(() -> !inSet(leases.owner()));
    }

    private boolean inSet(String member) {
        return redis.sortedSet(String.class).zscore(LiveWorkers.KEY, member).isPresent();
    }
}
