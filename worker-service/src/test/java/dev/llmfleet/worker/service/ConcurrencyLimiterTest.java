package dev.llmfleet.worker.service;

import dev.llmfleet.common.jobs.Priority;
import io.smallrye.mutiny.subscription.Cancellable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrencyLimiterTest {
    private final AtomicLong clock = new AtomicLong();
    /** Wake-ups the limiter asked for: delay in nanoseconds and the task. */
    private final List<Map.Entry<Long, Runnable>> scheduled = new ArrayList<>();

    private ConcurrencyLimiter limiter(Map<String, String> settings) {
        return new ConcurrencyLimiter(TestConfig.worker(settings), clock::get, (nanos, task) -> scheduled.add(Map.entry(nanos, task)));
    }

    /** Asks {@code count} times at {@code priority}; answers the permits granted, a list that grows as waiters are granted later. */
    private static List<ConcurrencyLimiter.Permit> acquire(ConcurrencyLimiter limiter, Priority priority, int count) {
        List<ConcurrencyLimiter.Permit> granted = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            limiter.acquire(priority).subscribe().with(granted::add);
        }
        return granted;
    }

    @Test
    void aRateLimitPacesTheGrantsAndWakesUpWhenTheNextTokenIsDue() {
        ConcurrencyLimiter limiter = limiter(Map.of("fleet.worker.concurrency.initial", "50", "fleet.worker.max-calls-per-second", "20"));
        List<ConcurrencyLimiter.Permit> granted = acquire(limiter, Priority.BULK, 10);
        assertThat(granted).as("a burst of a tenth of a second's worth: 2 tokens").hasSize(2);
        assertThat(scheduled).hasSize(1);
        assertThat(scheduled.get(0).getKey()).as("the next token is due in 1/20 s").isEqualTo(50_000_000L);

        clock.addAndGet(50_000_000L);
        scheduled.remove(0).getValue().run();
        assertThat(granted).hasSize(3);
        assertThat(scheduled).as("one wake-up at a time").hasSize(1);

        clock.addAndGet(1_000_000_000L);
        scheduled.remove(0).getValue().run();
        assertThat(granted).as("tokens accrue up to the burst only").hasSize(5);
        assertThat(limiter.waiting(Priority.BULK)).isEqualTo(5);
    }

    @Test
    void withoutARateLimitNothingIsScheduled() {
        ConcurrencyLimiter limiter = limiter(Map.of("fleet.worker.concurrency.initial", "50"));
        acquire(limiter, Priority.BULK, 30);
        assertThat(limiter.inFlight()).isEqualTo(30);
        assertThat(scheduled).isEmpty();
    }

    @Test
    void grantsUpToTheLimitAndQueuesTheRest() {
        ConcurrencyLimiter limiter = limiter(Map.of("fleet.worker.concurrency.initial", "2"));
        List<ConcurrencyLimiter.Permit> granted = acquire(limiter, Priority.NORMAL, 5);
        assertThat(granted).hasSize(2);
        assertThat(limiter.waiting(Priority.NORMAL)).isEqualTo(3);
        limiter.release(granted.get(0), ConcurrencyLimiter.Signal.OTHER);
        assertThat(granted).hasSize(3);
        limiter.release(granted.get(0), ConcurrencyLimiter.Signal.OTHER);
        assertThat(limiter.inFlight()).as("a permit released twice counts once").isEqualTo(2);
    }

    @Test
    void highGoesFirstButBulkIsNeverStarved() {
        ConcurrencyLimiter limiter = limiter(Map.of("fleet.worker.concurrency.initial", "1", "fleet.worker.concurrency.max", "1"));
        List<ConcurrencyLimiter.Permit> first = new ArrayList<>();
        limiter.acquire(Priority.BULK).subscribe().with(first::add);
        Map<Priority, Integer> served = new EnumMap<>(Priority.class);
        List<ConcurrencyLimiter.Permit> permits = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            for (Priority priority : Priority.values()) {
                limiter.acquire(priority).subscribe().with(permit -> {
                    served.merge(priority, 1, Integer::sum);
                    permits.add(permit);
                });
            }
        }
        ConcurrencyLimiter.Permit running = first.get(0);
        for (int i = 0; i < 100; i++) {
            limiter.release(running, ConcurrencyLimiter.Signal.OTHER);
            running = permits.get(permits.size() - 1);
        }
        assertThat(served.get(Priority.HIGH)).isEqualTo(60);
        assertThat(served.get(Priority.NORMAL)).isEqualTo(30);
        assertThat(served.get(Priority.BULK)).isEqualTo(10);
    }

    @Test
    void throttlingCutsTheLimitOncePerCooldownAndSuccessGrowsItBack() {
        ConcurrencyLimiter limiter = limiter(Map.of("fleet.worker.concurrency.initial", "20", "fleet.worker.concurrency.max", "40"));
        List<ConcurrencyLimiter.Permit> permits = acquire(limiter, Priority.BULK, 3);
        limiter.release(permits.get(0), ConcurrencyLimiter.Signal.THROTTLED);
        limiter.release(permits.get(1), ConcurrencyLimiter.Signal.THROTTLED);
        assertThat(limiter.limit()).isEqualTo(14.0);
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        limiter.release(permits.get(2), ConcurrencyLimiter.Signal.THROTTLED);
        assertThat(limiter.limit()).isCloseTo(9.8, org.assertj.core.data.Offset.offset(1e-9));
        for (int i = 0; i < 50; i++) {
            limiter.release(acquire(limiter, Priority.BULK, 1).get(0), ConcurrencyLimiter.Signal.OK);
        }
        assertThat(limiter.limit()).isGreaterThan(13);
    }

    @Test
    void theCeilingLeavesRoomForTheInteractiveLane() {
        ConcurrencyLimiter limiter = limiter(Map.of("fleet.worker.concurrency.initial", "30"));
        limiter.capAt(5);
        List<ConcurrencyLimiter.Permit> granted = acquire(limiter, Priority.HIGH, 10);
        assertThat(granted).hasSize(5);
        limiter.capAt(8);
        assertThat(granted).hasSize(8);
    }

    @Test
    void aZeroShareRefusesEveryJobAtOnceExceptOneProbeAtATime() {
        ConcurrencyLimiter limiter = limiter(Map.of("fleet.worker.concurrency.initial", "10"));
        List<ConcurrencyLimiter.Permit> granted = new ArrayList<>();
        List<Throwable> refused = new ArrayList<>();
        limiter.allowShare(0.1);
        for (int i = 0; i < 3; i++) {
            limiter.acquire(Priority.NORMAL).subscribe().with(granted::add, refused::add);
        }
        assertThat(granted).hasSize(1);
        assertThat(limiter.waiting(Priority.NORMAL)).isEqualTo(2);

        limiter.allowShare(0);
        assertThat(refused).as("waiters are refused when the pause begins, not held").hasSize(2)
                .allMatch(e -> e instanceof ConcurrencyLimiter.Paused);
        assertThat(limiter.paused()).isTrue();
        limiter.acquire(Priority.HIGH).subscribe().with(granted::add, refused::add);
        assertThat(refused).as("and so is every job asking during it").hasSize(3);

        limiter.release(granted.remove(0), ConcurrencyLimiter.Signal.OK);
        limiter.probe();
        limiter.probe();
        assertThat(limiter.paused()).as("a probe is due").isFalse();
        limiter.acquire(Priority.BULK).subscribe().with(granted::add, refused::add);
        limiter.acquire(Priority.BULK).subscribe().with(granted::add, refused::add);
        assertThat(granted).as("the next job is the probe, the one after is refused").hasSize(1);
        assertThat(refused).hasSize(4);
        limiter.release(granted.remove(0), ConcurrencyLimiter.Signal.OK);

        limiter.allowShare(0.5);
        limiter.acquire(Priority.BULK).subscribe().with(granted::add, refused::add);
        assertThat(granted).hasSize(1);
        assertThat(refused).hasSize(4);
    }

    @Test
    void aCancelledWaiterLeavesTheQueueAndItsSlotGoesToTheNext() {
        ConcurrencyLimiter limiter = limiter(Map.of("fleet.worker.concurrency.initial", "1", "fleet.worker.concurrency.min", "1"));
        List<ConcurrencyLimiter.Permit> granted = new ArrayList<>();
        limiter.acquire(Priority.NORMAL).subscribe().with(granted::add);
        Cancellable cancelled = limiter.acquire(Priority.NORMAL).subscribe().with(granted::add);
        limiter.acquire(Priority.NORMAL).subscribe().with(granted::add);
        assertThat(limiter.waiting(Priority.NORMAL)).isEqualTo(2);

        cancelled.cancel();
        assertThat(limiter.waiting(Priority.NORMAL)).isEqualTo(1);
        limiter.release(granted.get(0), ConcurrencyLimiter.Signal.OTHER);
        assertThat(granted).as("the slot went to the waiter still there").hasSize(2);
        assertThat(limiter.inFlight()).isEqualTo(1);
        limiter.release(granted.get(1), ConcurrencyLimiter.Signal.OTHER);
        assertThat(limiter.inFlight()).isZero();
    }
}
