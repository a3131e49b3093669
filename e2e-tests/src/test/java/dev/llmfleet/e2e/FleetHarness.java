package dev.llmfleet.e2e;

import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.testing.SharedStack;

import java.nio.file.Path;
import java.util.Map;

/**
 * The packaged platform for the end-to-end tests, on the run's shared Kafka and Redis and on free ports.
 * One fleet serves every test class that needs no special settings (starting one costs ~15 s).
 */
final class FleetHarness {
    static final String API_KEY = "mdb_sim_e2e";
    /** A feature with a tiny per-request cost cap, to watch the cap work. */
    static final String CAPPED_FEATURE = "capped";
    static final String CAPPED_USD = "0.0003";

    private static Fleet shared;

    private FleetHarness() {
    }

    static Path home() {
        return Path.of(System.getProperty("fleet.home", "..")).toAbsolutePath().normalize();
    }

    /** The fleet shared by the test classes of this run, started on first use and stopped when the JVM exits. */
    static synchronized Fleet shared() {
        if (shared == null) {
            // callbacks go to a receiver on this machine, which production settings refuse. The test classes sharing this
            // fleet inject provider failures one after another, so breakers and the retry budget would carry one test's
            // storm into the next: here a breaker needs 1000 calls to judge and the budget's floor is 20 extra calls a
            // second (ProviderFaultsTest proves both with the defaults, on a fleet of its own)
            Map<String, String> resilience = Map.of("FLEET_PROVIDER_BREAKER_REQUEST_VOLUME_THRESHOLD", "1000",
                    "FLEET_PROVIDER_RETRY_BUDGET_MIN_PER_SECOND", "20");
            Map<String, String> intake = new java.util.HashMap<>(resilience);
            intake.put("JAVA_TOOL_OPTIONS", "-Dfleet.features." + CAPPED_FEATURE + ".max-cost-usd=" + CAPPED_USD
                    + " -Dfleet.features." + CAPPED_FEATURE + ".cache-enabled=false");
            intake.put("FLEET_JOBS_ALLOW_PRIVATE_CALLBACKS", "true");
            Map<String, String> worker = new java.util.HashMap<>(resilience);
            worker.put("FLEET_WORKER_CALLBACKS_ALLOW_PRIVATE", "true");
            shared = start("shared", Map.of(Fleet.INTAKE, intake, Fleet.WORKER, worker));
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "fleet-shutdown"));
        }
        return shared;
    }

    /** A fleet of its own (for tests that kill processes or need other settings); {@code env} adds settings per service. */
    static Fleet start(String testName, Map<String, Map<String, String>> env) {
        SharedStack.Endpoints stack = SharedStack.get();
        Path logs = home().resolve("e2e-tests/target/fleet-logs").resolve(testName);
        return authorized(Fleet.start(new Fleet.Options(home(), logs, Map.of(), stack.kafkaBootstrapServers(), stack.redisUrl(),
                null, API_KEY, env)));
    }

    /** A fleet with a Kafka and Redis of its own too (a clean ledger, no other test's jobs). */
    static Fleet startOwn(String testName, Map<String, Map<String, String>> env) {
        Path logs = home().resolve("e2e-tests/target/fleet-logs").resolve(testName);
        return authorized(Fleet.start(new Fleet.Options(home(), logs, Map.of(), null, null, null, API_KEY, env)));
    }

    /** The tests' requests to {@code fleet} carry its keys from now on ({@link Http#authorize}). */
    private static Fleet authorized(Fleet fleet) {
        Http.authorize(fleet);
        return fleet;
    }

    static Simulator simulator(Fleet fleet) {
        return new Simulator(fleet.service(Fleet.PROVIDER_SIM).url());
    }
}
