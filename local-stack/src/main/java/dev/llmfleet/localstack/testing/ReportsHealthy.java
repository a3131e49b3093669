package dev.llmfleet.localstack.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResourceManager;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first thing each packaged service's {@code @QuarkusIntegrationTest} checks, as Kubernetes' probes would: the
 * service under test reports UP, its Redis roles (state and cache) among the checks. A test class implements it.
 */
public interface ReportsHealthy {
    @Test
    default void reportsUpWithItsRedisRolesChecked() throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(TestHTTPResourceManager.getUri() + "/q/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode health = new ObjectMapper().readTree(response.body());
        assertEquals("UP", health.path("status").asText(), response.body());
        assertTrue(health.path("checks").findValuesAsText("name").contains("Redis roles"), response.body());
    }
}
