package dev.llmfleet.common.provider;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

    @Test
    void ceilingDoublesUpToTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 1.0);
        assertThat(backoff.ceilingMillis(1)).isEqualTo(100);
        assertThat(backoff.ceilingMillis(2)).isEqualTo(200);
        assertThat(backoff.ceilingMillis(4)).isEqualTo(800);
        assertThat(backoff.ceilingMillis(5)).isEqualTo(1000);
        assertThat(backoff.ceilingMillis(60)).isEqualTo(1000);
    }

    @Test
    void fullJitterSpansZeroToTheCeiling() {
        assertThat(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.0).delay(3, null)).isEqualTo(Duration.ZERO);
        assertThat(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.5).delay(3, null)).isEqualTo(Duration.ofMillis(200));
        Backoff real = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
        for (int i = 0; i < 1000; i++) {
            assertThat(real.delay(3, null)).isBetween(Duration.ZERO, Duration.ofMillis(400));
        }
    }

    @Test
    void retryAfterIsAFloor() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.1);
        assertThat(backoff.delay(1, Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void retryAfterParsesSecondsAndHttpDates() {
        assertThat(ProviderClient.retryAfter("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(ProviderClient.retryAfter(null)).isNull();
        assertThat(ProviderClient.retryAfter("soon")).isNull();
        assertThat(ProviderClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
    }

    @Test
    void onlyTransientFailuresAreRetryable() {
        assertThat(new ProviderException(429, "rate_limit_exceeded", "", Duration.ofSeconds(1)).retryable()).isTrue();
        assertThat(new ProviderException(500, "x", "", null).retryable()).isTrue();
        assertThat(ProviderException.noAnswer("timeout").retryable()).isTrue();
        assertThat(new ProviderException(400, "x", "", null).retryable()).isFalse();
        assertThat(new ProviderException(401, "x", "", null).retryable()).isFalse();
        assertThat(new ProviderException(402, "x", "", null).retryable()).isFalse();
        assertThat(new ProviderException(503, "model_unavailable", "", null).modelUnavailable()).isTrue();
    }
}
