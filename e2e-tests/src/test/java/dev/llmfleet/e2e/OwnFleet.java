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
        OwnFleet own = new OwnFleet(testName, settings);
        own.anchorBilling();
        return own;
    }

    /**
     * One call alone before any load, recorded: billing anchors its reconciliation on the first balance reading it
     * sees, and counts the charges of events that occurred after it. Were that first reading one of several concurrent
     * calls, a call charged before it but recorded after it would be counted against a balance that already held it:
     * a lasting negative gap, which the reported unattributed spend (never below 0) hides, and by as much it would
     * later fall short of a real gap (measured: one call's $0.00003 on a SIGKILLed worker).
     */
    private void anchorBilling() {
        String call = Load.chat("anchor " + java.util.UUID.randomUUID(), 5, false);
        var response = Http.post(intake.url() + "/v1/chat/completions", call, "X-Fleet-Feature", "default");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the anchor call was answered " + response.statusCode() + ": " + response.body());
        }
        Billing.await("billing to record the anchor call", () -> billing.summary().path("requests").asLong() >= 1, 60_000);
    }

    @Override
    public void close() {
        fleet.close();
    }
}
