package dev.llmfleet.e2e;

import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.testing.SharedStack;

import java.nio.file.Path;
import java.util.Map;

/** Starts the packaged platform for a test class on the run's shared Kafka and Redis, on free ports. */
final class FleetHarness {
    static final String API_KEY = "mdb_sim_e2e";

    private FleetHarness() {
    }

    static Path home() {
        return Path.of(System.getProperty("fleet.home", "..")).toAbsolutePath().normalize();
    }

    /** A fleet with its own simulator; {@code env} adds settings per service name. */
    static Fleet start(String testName, Map<String, Map<String, String>> env) {
        SharedStack.Endpoints stack = SharedStack.get();
        Path logs = home().resolve("e2e-tests/target/fleet-logs").resolve(testName);
        return Fleet.start(new Fleet.Options(home(), logs, Map.of(), stack.kafkaBootstrapServers(), stack.redisUrl(),
                null, API_KEY, env));
    }
}
