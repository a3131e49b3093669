package dev.llmfleet.worker.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTest {

    @Test
    void aBurstIsATenthOfASecondsWorthAndTheNextTokenIsDueAtTheRate() {
        TokenBucket bucket = new TokenBucket(20, 0);
        assertThat(bucket.tryTake(0)).isTrue();
        assertThat(bucket.tryTake(0)).isTrue();
        assertThat(bucket.tryTake(0)).as("2 tokens of burst at 20/s").isFalse();
        assertThat(bucket.nanosToNextToken()).isEqualTo(50_000_000L);
        assertThat(bucket.tryTake(50_000_000L)).isTrue();
    }

    @Test
    void tokensAccrueUpToTheBurstOnly() {
        TokenBucket bucket = new TokenBucket(20, 0);
        int taken = 0;
        while (bucket.tryTake(1_000_000_000L)) {
            taken++;
        }
        assertThat(taken).isEqualTo(2);
    }

    @Test
    void aSlowRateStillHasABurstOfOneAndNoRateIsNoPacing() {
        TokenBucket slow = new TokenBucket(2, 0);
        assertThat(slow.tryTake(0)).isTrue();
        assertThat(slow.tryTake(0)).isFalse();
        assertThat(slow.nanosToNextToken()).isEqualTo(500_000_000L);

        TokenBucket unpaced = new TokenBucket(0, 0);
        for (int i = 0; i < 1_000; i++) {
            assertThat(unpaced.tryTake(0)).isTrue();
        }
    }
}
