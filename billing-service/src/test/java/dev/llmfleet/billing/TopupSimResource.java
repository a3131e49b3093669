package dev.llmfleet.billing;

import dev.llmfleet.localstack.ServiceProcess;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs the packaged provider simulator as a real process and points billing's top-up at it (skipped when it is not built). */
public class TopupSimResource implements QuarkusTestResourceLifecycleManager {
    public static final Path JAR = Path.of("..", "provider-sim", "target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static volatile String url;
    private ServiceProcess sim;

    /** The simulator's base URL (no /v1), or null when it is not running. */
    public static String url() {
        return url;
    }

    /** Calls the simulator's admin API ({@code body} null: GET). */
    public static JsonNode admin(String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json");
        request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
        try {
            return UsageEvents.json(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Map<String, String> start() {
        if (!Files.isRegularFile(JAR)) {
            url = null;
            return Map.of("fleet.billing.topup.url", "http://127.0.0.1:9/v1/credits/topup");
        }
        sim = new ServiceProcess("provider-sim", JAR, 0, Map.of("SIM_BALANCE_USD", "15"),
                Path.of("target", "provider-sim-topup.log").toAbsolutePath(), List.of("-Xmx256m"));
        sim.start(Duration.ofSeconds(60));
        url = sim.url();
        return Map.of("fleet.billing.topup.url", sim.url() + "/v1/credits/topup");
    }

    @Override
    public void stop() {
        if (sim != null) {
            sim.stop();
        }
        url = null;
    }
}
