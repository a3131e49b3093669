package dev.llmfleet.billing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;
import java.util.UUID;

/**
 * A usage topic and consumer group of billing's own: it reads only what its test sends, not the run's {@code llm.usage}
 * (which the packaged billing, reading from the earliest offset, would otherwise ledger from its start).
 */
public class OwnUsageTopic implements QuarkusTestResourceLifecycleManager {
    public static final String TOPIC = "test." + UUID.randomUUID() + ".usage";

    @Override
    public Map<String, String> start() {
        return Map.of("mp.messaging.incoming.llm-usage-in.topic", TOPIC,
                "mp.messaging.incoming.llm-usage-in.group.id", "billing-" + TOPIC);
    }

    @Override
    public void stop() {
        // the topic goes with the run's broker
    }
}
