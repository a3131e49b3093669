package dev.llmfleet.worker.service;

import dev.llmfleet.localstack.testing.ReportsHealthy;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged worker (target/quarkus-app, prod profile, its own process) on the run's Kafka with topics of its own and
 * a Redis of its own ({@link WorkerStack}): it starts, reports itself healthy, and its
 * heartbeat in Redis makes it count itself in {@code fleet_worker_instances_live}.
 */
@QuarkusIntegrationTest
@WithTestResource(WorkerStack.class)
class WorkerServiceIT implements ReportsHealthy {

    @Test
    void countsItselfLiveFromItsOwnHeartbeatInRedis() {
        // its Redis is its own, so the roster it reads back holds exactly its own heartbeat
        Pattern live = Pattern.compile("^fleet_worker_instances_live\\{[^}]*application=\"worker-service\"[^}]*} 1\\.0$", Pattern.MULTILINE);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString()).containsPattern(live));
    }
}
