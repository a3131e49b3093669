package dev.llmfleet.intake.rest;

import dev.llmfleet.intake.TestKeys;
import dev.llmfleet.intake.metrics.IntakeMetricNames;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static dev.llmfleet.intake.rest.JobsResourceTest.job;
import static dev.llmfleet.intake.rest.JobsResourceTest.utf8;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** Concurrent batch bodies never hold more than fleet.jobs.batch-bytes-in-flight; a batch gives its bytes back when it is over. */
@QuarkusTest
@TestProfile(BatchBytesInFlightTest.SmallBudget.class)
@WithTestResource(LocalStackResource.class)
class BatchBytesInFlightTest {
    @BeforeEach
    void authenticate() {
        TestKeys.authenticate();
    }

    static final int BUDGET = 64 * 1024;

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fleet.jobs.batch-bytes-in-flight", BUDGET + "B");
        }
    }

    @Inject
    MeterRegistry registry;

    private double held() {
        return registry.find(IntakeMetricNames.BATCH_IN_FLIGHT).gauge().value();
    }

    private static String batch(int bytes) {
        StringBuilder body = new StringBuilder();
        while (body.length() < bytes - 200) {
            body.append(job("Budget " + UUID.randomUUID(), "\"priority\":\"bulk\"")).append('\n');
        }
        return body.toString();
    }

    /** Starts a batch that declares {@code length} bytes and sends only part of them: its bytes are held meanwhile. */
    private static Socket slowBatch(int length) throws Exception {
        Socket socket = new Socket("127.0.0.1", RestAssured.port);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/jobs/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n" + TestKeys.headerLine() + "Content-Type: application/x-ndjson\r\nContent-Length: "
                + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(job("Slow " + UUID.randomUUID(), "").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return socket;
    }

    @Test
    void aBatchOverTheBudgetIs503UntilTheBatchesInFlightAreOver() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> held() == 0);
        try (Socket slow = slowBatch(40 * 1024)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> held() == 40 * 1024);
            // 40 KiB held: another 30 KiB does not fit, and is refused without being read
            given().contentType("application/x-ndjson").body(utf8(batch(30 * 1024))).post("/v1/jobs/batch").then()
                    .statusCode(503)
                    .header("Retry-After", "1")
                    .body("error.code", equalTo("server_busy"))
                    .body("error.type", equalTo("api_error"));
            // a small one still fits beside it, and gives its bytes back once answered
            given().contentType("application/x-ndjson").body(utf8(batch(8 * 1024))).post("/v1/jobs/batch").then().statusCode(202)
                    .body("jobs[0].status", equalTo("queued"));
            await().atMost(Duration.ofSeconds(10)).until(() -> held() == 40 * 1024);
        }
        // the slow client left: its bytes are released with its connection
        await().atMost(Duration.ofSeconds(10)).until(() -> held() == 0);
        given().contentType("application/x-ndjson").body(utf8(batch(30 * 1024))).post("/v1/jobs/batch").then().statusCode(202);
    }

    @Test
    void aFailedBatchGivesItsBytesBackToo() {
        await().atMost(Duration.ofSeconds(10)).until(() -> held() == 0);
        given().contentType(ContentType.JSON).body("{\"not\":\"an array\"}").post("/v1/jobs/batch").then().statusCode(400)
                .body("error.code", equalTo("invalid_batch"));
        given().contentType("application/x-ndjson").body(utf8("{}\n".repeat(10_001))).post("/v1/jobs/batch").then().statusCode(413);
        await().atMost(Duration.ofSeconds(10)).until(() -> held() == 0);
        // a whole budget's worth fits once nothing else is in flight
        given().contentType("application/x-ndjson").body(utf8(batch(BUDGET))).post("/v1/jobs/batch").then().statusCode(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> held() == 0);
    }
}
