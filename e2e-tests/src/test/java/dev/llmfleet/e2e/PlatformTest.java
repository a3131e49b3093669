package dev.llmfleet.e2e;

import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.ServiceProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged platform starts as real processes, each service healthy on real Kafka and Redis, and survives a SIGKILL. */
class PlatformTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Fleet fleet;

    @BeforeAll
    static void up() {
        fleet = FleetHarness.shared();
    }

    @Test
    void everyServiceIsHealthyWithKafkaAndRedisAndExposesMetricsAndOpenApi() throws Exception {
        for (String name : Fleet.SERVICES) {
            ServiceProcess service = fleet.service(name);
            HttpResponse<String> health = get(service.url() + "/q/health");
            assertThat(health.statusCode()).as(name + " health: " + health.body()).isEqualTo(200);
            assertThat(health.body()).as(name).contains("\"status\": \"UP\"")
                    .contains("Kafka connection health check")
                    .contains("\"name\": \"Redis roles\"").contains("\"state\": \"up (noeviction)\"");
            HttpResponse<String> metrics = get(service.url() + "/q/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).as(name).contains("jvm_memory_used_bytes").contains("application=\"" + name + "\"");
            HttpResponse<String> openapi = get(service.url() + "/q/openapi?format=json");
            assertThat(openapi.statusCode()).isEqualTo(200);
            assertThat(openapi.body()).as(name).contains("\"openapi\"").contains("LLM Fleet " + name);
        }
        HttpResponse<String> simHealth = get(fleet.service(Fleet.PROVIDER_SIM).url() + "/q/health/ready");
        assertThat(simHealth.statusCode()).isEqualTo(200);
    }

    @Test
    void aServiceKilledWithSigkillRestartsOnItsPortAndIsHealthyAgain() throws Exception {
        ServiceProcess worker = fleet.service(Fleet.WORKER);
        long before = worker.pid();
        worker.kill();
        assertThat(worker.isAlive()).isFalse();
        worker.start(Duration.ofSeconds(90));
        assertThat(worker.pid()).isNotEqualTo(before);
        assertThat(get(worker.url() + "/q/health/ready").statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
