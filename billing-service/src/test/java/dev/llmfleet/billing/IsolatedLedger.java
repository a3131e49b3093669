package dev.llmfleet.billing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;
import java.util.UUID;

/** Gives each test application a Redis namespace of its own: Redis is shared by the whole test run. */
public class IsolatedLedger implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        return Map.of("fleet.billing.redis-namespace", "test:" + UUID.randomUUID() + ":ledger:v1:");
    }

    @Override
    public void stop() {
        // keys expire on their own
    }
}
