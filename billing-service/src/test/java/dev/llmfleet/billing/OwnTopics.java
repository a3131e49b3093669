package dev.llmfleet.billing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;
import java.util.UUID;

/**
 * Kafka topics and a consumer group of billing's own, for a billing in its prod profile: it reads only the usage its test
 * sends (not the run's {@code llm.usage}, which it would ledger from the earliest offset), and its balance state and
 * alerts reach no other test's workers.
 */
public class OwnTopics implements QuarkusTestResourceLifecycleManager {
    private static final String PREFIX = "test." + UUID.randomUUID();
    public static final String USAGE = PREFIX + ".usage";

    @Override
    public Map<String, String> start() {
        return Map.of("mp.messaging.incoming.llm-usage-in.topic", USAGE,
                "mp.messaging.incoming.llm-usage-in.group.id", "billing-" + PREFIX,
                "mp.messaging.outgoing.billing-state.topic", PREFIX + ".billing.state",
                "mp.messaging.outgoing.billing-alerts.topic", PREFIX + ".billing.alerts");
    }

    @Override
    public void stop() {
        // the topics go with the run's broker
    }
}
