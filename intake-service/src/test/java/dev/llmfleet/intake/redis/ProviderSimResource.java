package dev.llmfleet.intake.redis;

import dev.llmfleet.localstack.ServiceProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The packaged provider simulator as a real process (built before intake: intake-service's pom orders the reactor so),
 * and intake's provider pointed at it, for tests whose interactive requests must be answered.
 */
public class ProviderSimResource implements QuarkusTestResourceLifecycleManager {
    private static final Path JAR = Path.of("..", "provider-sim", "target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().normalize();
    private static volatile String url;
    private ServiceProcess sim;

    /** The simulator's base URL (no /v1; its admin API is under /admin), while it runs. */
    public static String url() {
        return url;
    }

    @Override
    public Map<String, String> start() {
        sim = new ServiceProcess("provider-sim", JAR, 0, Map.of(),
                Path.of("target", "provider-sim-" + UUID.randomUUID() + ".log").toAbsolutePath(), List.of("-Xmx256m"));
        sim.start(Duration.ofSeconds(60));
        url = sim.url();
        return Map.of("fleet.provider.base-url", sim.url() + "/v1", "fleet.provider.api-key", "mdb_test_intake");
    }

    @Override
    public void stop() {
        if (sim != null) {
            sim.stop();
        }
        url = null;
    }
}
