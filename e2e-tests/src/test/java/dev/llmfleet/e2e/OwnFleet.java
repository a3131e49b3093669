package dev.llmfleet.e2e;

import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.ServiceProcess;

import java.util.HashMap;
import java.util.Map;

/**
 * A fleet with a Kafka and Redis of its own (a clean ledger, no other test's jobs) and the clients the billing and
 * fault tests drive it with. Runway alarms are out of the way (these tests drain by balance alone); {@code env} adds
 * settings per service.
 */
final class OwnFleet implements AutoCloseable {
    final Fleet fleet;
    final Simulator sim;
    final Jobs jobs;
    final Billing billing;
    final ServiceProcess intake;
    final ServiceProcess worker;

    OwnFleet(String testName, Map<String, String> billingEnv, Map<String, String> workerEnv) {
        this(testName, Map.of(Fleet.BILLING, billingEnv, Fleet.WORKER, workerEnv));
    }

    OwnFleet(String testName, Map<String, Map<String, String>> env) {
        Map<String, String> billingSettings = new HashMap<>(Map.of(
                "FLEET_BILLING_LOW_RUNWAY_HOURS", "0.0002",
                "FLEET_BILLING_CRITICAL_RUNWAY_HOURS", "0.0001"));
        billingSettings.putAll(env.getOrDefault(Fleet.BILLING, Map.of()));
        Map<String, Map<String, String>> settings = new HashMap<>(env);
        settings.put(Fleet.BILLING, billingSettings);
        fleet = FleetHarness.startOwn(testName, settings);
        sim = FleetHarness.simulator(fleet);
        intake = fleet.service(Fleet.INTAKE);
        jobs = new Jobs(intake.url());
        billing = new Billing(fleet.service(Fleet.BILLING).url());
        worker = fleet.service(Fleet.WORKER);
    }

    /**
     * A fleet for fault tests: billing reports unattributed spend from the first nano-dollar and after a short grace, so
     * the invariants can compare the ledger with the provider exactly; {@code env} adds settings per service.
     */
    static OwnFleet forFaults(String testName, Map<String, Map<String, String>> env) {
        Map<String, Map<String, String>> settings = new HashMap<>(env);
        Map<String, String> billing = new HashMap<>(Map.of(
                "FLEET_BILLING_UNATTRIBUTED_TOLERANCE_USD", "0",
                "FLEET_BILLING_UNATTRIBUTED_GRACE", "1s",
                "FLEET_BILLING_STATE_HEARTBEAT", "2s"));
        billing.putAll(env.getOrDefault(Fleet.BILLING, Map.of()));
        settings.put(Fleet.BILLING, billing);
        return new OwnFleet(testName, settings);
    }

    @Override
    public void close() {
        fleet.close();
    }
}
