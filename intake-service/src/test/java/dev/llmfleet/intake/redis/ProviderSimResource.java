package dev.llmfleet.intake.redis;

import dev.llmfleet.localstack.Ports;
import dev.llmfleet.localstack.ServiceProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The packaged provider simulator as a real process (built before intake: intake-service's pom orders the reactor so),
 * and intake's provider pointed at it, for tests whose interactive requests must be answered.
 */
public class ProviderSimResource implements QuarkusTestResourceLifecycleManager {
    private static final Path JAR = Path.of("..", "provider-sim", "target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().normalize();
    private ServiceProcess sim;

    @Override
    public Map<String, String> start() {
        sim = new ServiceProcess("provider-sim", JAR, Ports.free(), Map.of(),
                Path.of("target", "provider-sim-redis-stall.log").toAbsolutePath(), List.of("-Xmx256m"));
        sim.start(Duration.ofSeconds(60));
        return Map.of("fleet.provider.base-url", sim.url() + "/v1", "fleet.provider.api-key", "mdb_test_redis_stall");
    }

    @Override
    public void stop() {
        if (sim != null) {
            sim.stop();
        }
    }
}
