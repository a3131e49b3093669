package dev.llmfleet.billing.client;

import dev.llmfleet.billing.IsolatedLedger;
import dev.llmfleet.localstack.testing.LocalStackResource;
import dev.llmfleet.localstack.testing.LoopbackReceiver;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Alert webhook deliveries against a real HTTP receiver on loopback: one that fails a few times gets the alert once
 * after the retries, one that hangs costs the timeout per attempt and a bounded whole, an endless answer is cut at the
 * cap, and one that keeps failing opens the breaker, after which deliveries fail fast without reaching it. The
 * fault-tolerance series show in {@code /q/metrics}.
 */
@QuarkusTest
@TestProfile(WebhookClientTest.QuickRetries.class)
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
class WebhookClientTest {
    private static final String FT = "quarkus.fault-tolerance.\"dev.llmfleet.billing.client.WebhookClient/deliver\".";
    private static final String METHOD = "method=\"dev.llmfleet.billing.client.WebhookClient.deliver\"";

    /** Retries 200 ms doubling (+-50 ms), 1 s an attempt; the rest as shipped (4 retries, breaker 80 % of 10). */
    public static class QuickRetries implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(FT + "retry.delay", "200", FT + "retry.jitter", "50", FT + "timeout.value", "1000",
                    "fleet.billing.anomaly.enabled", "false");
        }
    }

    @Inject
    WebhookClient client;

    private LoopbackReceiver receiver;
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Integer> answered = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        if (receiver != null) {
            receiver.close();
        }
        CircuitBreakerMaintenance.get().reset(WebhookClient.BREAKER);
    }

    /** A receiver at /hook answering each delivery as {@code behaviour} says; answers its URL. */
    private String startReceiver(LoopbackReceiver.Behaviour behaviour) throws IOException {
        receiver = LoopbackReceiver.start("/hook", behaviour);
        return receiver.url();
    }

    /** Answers delivery n with the status {@code statusOf} gives, noting it in {@link #answered} first. */
    private LoopbackReceiver.Behaviour status(IntUnaryOperator statusOf) {
        return LoopbackReceiver.status(n -> {
            int status = statusOf.applyAsInt(n);
            answered.add(status);
            return status;
        });
    }

    private static Buffer alert() {
        return Buffer.buffer("{\"alert_id\":\"alrt_1\",\"kind\":\"balance_low\"}");
    }

    private static String metrics() {
        return RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
    }

    @Test
    void aReceiverFailingTwiceGetsTheAlertOnceAfterTheRetries() throws IOException {
        String url = startReceiver(status(n -> n <= 2 ? 503 : 204));
        client.deliver(url, alert()).await().atMost(Duration.ofSeconds(30));

        assertThat(answered).as("two refusals, then one delivery, and no more").containsExactly(503, 503, 204);
        List<Long> arrivals = receiver.arrivals();
        long first = Duration.ofNanos(arrivals.get(1) - arrivals.get(0)).toMillis();
        long second = Duration.ofNanos(arrivals.get(2) - arrivals.get(1)).toMillis();
        assertThat(first).as("first retry after 200 ms +- 50").isBetween(150L, 1_000L);
        assertThat(second).as("second retry after 400 ms +- 50").isGreaterThanOrEqualTo(350L);
        assertThat(metrics()).containsPattern("ft_retry_retries_total\\{[^}]*" + METHOD + "[^}]*} ([2-9]|[1-9][0-9]+)\\.");
    }

    @Test
    void aHangingReceiverCostsTheTimeoutPerAttemptAndABoundedWhole() throws IOException {
        String url = startReceiver((exchange, n) -> release.await(60, TimeUnit.SECONDS));
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.deliver(url, alert()).await().atMost(Duration.ofSeconds(30)))
                .isInstanceOf(TimeoutException.class);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(receiver.arrivals()).as("the first attempt and 4 retries, each given up on after 1 s").hasSize(5);
        // 5 × 1 s timeouts + 0.2 + 0.4 + 0.8 + 1.6 s backoff (each +- 50 ms)
        assertThat(took).isBetween(Duration.ofMillis(7_500), Duration.ofSeconds(15));
        assertThat(metrics()).containsPattern("ft_timeout_calls_total\\{[^}]*" + METHOD + "[^}]*timedOut=\"true\"[^}]*} ([5-9]|[1-9][0-9]+)\\.");
    }

    @Test
    void anEndlessAnswerIsCutAtTheCapAndTheDeliveryFinishes() throws Exception {
        AtomicLong written = new AtomicLong();
        AtomicBoolean cut = new AtomicBoolean();
        String url = startReceiver(LoopbackReceiver.endlessBody(written, cut));

        long start = System.nanoTime();
        client.deliver(url, alert()).await().atMost(Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the answer's status is enough").isLessThan(Duration.ofSeconds(5));
        assertThat(receiver.arrivals()).as("a 2xx: delivered, not retried").hasSize(1);
        await().atMost(Duration.ofSeconds(10)).untilTrue(cut);
        // what the receiver got rid of before the connection closed: socket buffers, far below an unbounded read
        assertThat(written.get()).isLessThan(16L << 20);
    }

    @Test
    void aReceiverThatKeepsFailingOpensTheBreakerAndIsNoLongerCalled() throws IOException {
        String url = startReceiver(status(n -> 500));
        for (int alert = 0; alert < 2; alert++) {
            assertThatThrownBy(() -> client.deliver(url, alert()).await().atMost(Duration.ofSeconds(30)))
                    .hasMessageContaining("webhook answered HTTP 500");
        }
        assertThat(receiver.arrivals()).as("two alerts, 5 attempts each").hasSize(10);
        assertThat(CircuitBreakerMaintenance.get().currentState(WebhookClient.BREAKER)).isEqualTo(CircuitBreakerState.OPEN);

        assertThatThrownBy(() -> client.deliver(url, alert()).await().atMost(Duration.ofSeconds(30)))
                .isInstanceOf(CircuitBreakerOpenException.class);
        assertThat(receiver.arrivals()).as("the open breaker keeps deliveries from the receiver").hasSize(10);
        assertThat(metrics()).containsPattern("ft_circuitbreaker_opened_total\\{[^}]*" + METHOD + "[^}]*} [1-9]");
    }
}
