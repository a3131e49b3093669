package dev.llmfleet.worker.client;

import dev.llmfleet.localstack.testing.LoopbackReceiver;
import dev.llmfleet.worker.service.WorkerStack;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Callbacks against a real HTTP receiver on loopback: a failing receiver is retried with growing waits until it answers,
 * one that keeps failing is given up on after the configured retries, and an endless answer is cut at the cap; the
 * fault-tolerance retry series shows in {@code /q/metrics}.
 */
@QuarkusTest
@TestProfile(CallbackClientTest.LoopbackReceivers.class)
@WithTestResource(WorkerStack.class)
class CallbackClientTest {
    private static final String FT = "quarkus.fault-tolerance.\"dev.llmfleet.worker.client.CallbackClient/deliver\".";

    /** Loopback receivers allowed; retries 200 ms doubling (+-50 ms), 5 s an attempt. */
    public static class LoopbackReceivers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fleet.worker.callbacks.allow-private", "true", FT + "retry.delay", "200", FT + "retry.jitter", "50",
                    FT + "timeout.value", "5000");
        }
    }

    @Inject
    CallbackClient client;

    private LoopbackReceiver receiver;

    @AfterEach
    void stop() throws InterruptedException {
        if (receiver != null) {
            receiver.close();
        }
    }

    /** A receiver at /cb answering each callback as {@code behaviour} says; answers its URL. */
    private String startReceiver(LoopbackReceiver.Behaviour behaviour) throws IOException {
        receiver = LoopbackReceiver.start("/cb", behaviour);
        return receiver.url();
    }

    private static Buffer body() {
        return Buffer.buffer("{\"job_id\":\"job_1\"}");
    }

    @Test
    void aFailingReceiverIsRetriedWithGrowingWaitsUntilItAnswers() throws IOException {
        String url = startReceiver(LoopbackReceiver.status(n -> n <= 2 ? 503 : 204));
        client.deliver(url, body()).await().atMost(Duration.ofSeconds(30));

        List<Long> arrivals = receiver.arrivals();
        assertThat(arrivals).hasSize(3);
        long first = Duration.ofNanos(arrivals.get(1) - arrivals.get(0)).toMillis();
        long second = Duration.ofNanos(arrivals.get(2) - arrivals.get(1)).toMillis();
        assertThat(first).as("first retry after 200 ms +- 50").isBetween(150L, 1_000L);
        assertThat(second).as("second retry after 400 ms +- 50").isGreaterThanOrEqualTo(350L);

        String metrics = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("ft_retry_retries_total\\{[^}]*method=\"dev.llmfleet.worker.client.CallbackClient.deliver\"[^}]*} [2-9]");
        assertThat(metrics).contains("ft_invocations_total{");
    }

    @Test
    void aReceiverThatKeepsFailingIsGivenUpOnAfterTheRetries() throws IOException {
        String url = startReceiver(LoopbackReceiver.status(n -> 500));
        assertThatThrownBy(() -> client.deliver(url, body()).await().atMost(Duration.ofSeconds(30)))
                .hasMessageContaining("receiver answered 500");
        assertThat(receiver.arrivals()).as("the first attempt and 3 retries").hasSize(4);
    }

    @Test
    void anEndlessAnswerIsCutAtTheCapAndTheCallFinishes() throws Exception {
        AtomicLong written = new AtomicLong();
        AtomicBoolean cut = new AtomicBoolean();
        String url = startReceiver(LoopbackReceiver.endlessBody(written, cut));

        long start = System.nanoTime();
        client.deliver(url, body()).await().atMost(Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the answer's status is enough").isLessThan(Duration.ofSeconds(5));
        assertThat(receiver.arrivals()).as("a 2xx: delivered, not retried").hasSize(1);
        await().atMost(Duration.ofSeconds(10)).untilTrue(cut);
        // what the receiver got rid of before the connection closed: socket buffers, far below an unbounded read
        assertThat(written.get()).isLessThan(16L << 20);
    }
}
