package dev.llmfleet.e2e;

import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.ServiceProcess;

import java.util.HashMap;
import java.util.Map;

/**
 * A fleet with a Kafka and Redis of its own (a clean ledger, no other test's jobs) and the clients the billing tests
 * drive it with. Runway alarms are out of the way (these tests drain by balance alone); {@code billingEnv} and
 * {@code workerEnv} add settings.
 */
final class OwnFleet implements AutoCloseable {
    final Fleet fleet;
    final Simulator sim;
    final Jobs jobs;
    final Billing billing;
    final ServiceProcess worker;

    OwnFleet(String testName, Map<String, String> billingEnv, Map<String, String> workerEnv) {
        Map<String, String> billingSettings = new HashMap<>(Map.of(
                "FLEET_BILLING_LOW_RUNWAY_HOURS", "0.0002",
                "FLEET_BILLING_CRITICAL_RUNWAY_HOURS", "0.0001"));
        billingSettings.putAll(billingEnv);
        fleet = FleetHarness.startOwn(testName, Map.of(Fleet.BILLING, billingSettings, Fleet.WORKER, workerEnv));
        sim = FleetHarness.simulator(fleet);
        jobs = new Jobs(fleet.service(Fleet.INTAKE).url());
        billing = new Billing(fleet.service(Fleet.BILLING).url());
        worker = fleet.service(Fleet.WORKER);
    }

    @Override
    public void close() {
        fleet.close();
    }
}
