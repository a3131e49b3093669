package dev.llmfleet.worker.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

class AimdLimitTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    private static AimdLimit limit(String initial, String min, String max) {
        return new AimdLimit(TestConfig.worker(Map.of("fleet.worker.concurrency.initial", initial,
                "fleet.worker.concurrency.min", min, "fleet.worker.concurrency.max", max)).concurrency(), 0);
    }

    @Test
    void eachSuccessAddsOneOverTheLimitUpToTheMax() {
        AimdLimit limit = limit("4", "1", "5");
        limit.onSuccess();
        assertThat(limit.limit()).isEqualTo(4.25);
        for (int i = 0; i < 20; i++) {
            limit.onSuccess();
        }
        assertThat(limit.limit()).isEqualTo(5.0);
    }

    @Test
    void aDropCutsByTheFactorAtOncePerCooldownAndNeverBelowTheMin() {
        AimdLimit limit = limit("20", "3", "40");
        limit.onDrop(0);
        assertThat(limit.limit()).as("the first drop cuts at once").isEqualTo(14.0);
        limit.onDrop(SECOND - 1);
        assertThat(limit.limit()).as("within the cooldown: the same burst").isEqualTo(14.0);
        limit.onDrop(SECOND);
        assertThat(limit.limit()).isCloseTo(9.8, offset(1e-9));
        for (int i = 2; i < 10; i++) {
            limit.onDrop(i * SECOND);
        }
        assertThat(limit.limit()).isEqualTo(3.0);
    }
}
