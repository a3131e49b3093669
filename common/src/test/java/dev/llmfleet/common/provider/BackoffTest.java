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
    void aProviderAnswerIsClassifiedByWhatCanHelp() {
        assertThat(answer(402, "insufficient_balance")).isInstanceOf(ProviderException.Depleted.class);
        assertThat(answer(429, "rate_limit_exceeded")).isInstanceOf(ProviderException.Throttled.class);
        assertThat(answer(401, "invalid_api_key")).isInstanceOf(ProviderException.KeyRefused.class);
        assertThat(answer(403, "forbidden")).isInstanceOf(ProviderException.KeyRefused.class);
        assertThat(answer(400, "invalid_request_error")).isInstanceOf(ProviderException.Rejected.class);
        assertThat(answer(404, "model_not_found")).isInstanceOf(ProviderException.Rejected.class);
        assertThat(answer(422, "cost_cap_exceeded")).isInstanceOf(ProviderException.Rejected.class);
        assertThat(answer(500, "x")).isInstanceOf(ProviderException.Transient.class);
        assertThat(ProviderException.noAnswer("timeout")).isInstanceOf(ProviderException.Transient.class);
        assertThat(((ProviderException.Transient) answer(503, "model_unavailable")).modelUnavailable()).isTrue();
        assertThat(((ProviderException.Transient) answer(503, "overloaded")).modelUnavailable()).isFalse();
    }

    private static ProviderException answer(int status, String code) {
        return ProviderException.fromAnswer(status, code, "", null, null, null);
    }
}
