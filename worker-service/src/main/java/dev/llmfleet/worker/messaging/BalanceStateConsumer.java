package dev.llmfleet.worker.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.billing.BalanceStateChanged;
import dev.llmfleet.worker.service.AsyncLaneGate;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Reads billing's balance state (compacted {@code billing.state}, every instance reads all of it). */
@ApplicationScoped
public class BalanceStateConsumer {
    private static final Logger LOG = Logger.getLogger(BalanceStateConsumer.class);

    private final AsyncLaneGate gate;
    private final ObjectMapper mapper;

    public BalanceStateConsumer(AsyncLaneGate gate, ObjectMapper mapper) {
        this.gate = gate;
        this.mapper = mapper;
    }

    @Incoming("billing-state")
    public void consume(String value) {
        try {
            BalanceStateChanged state = mapper.readValue(value, BalanceStateChanged.class);
            if (state.schemaVersion() != null && state.schemaVersion().startsWith("1.") && state.level() != null) {
                gate.onState(state);
            } else {
                LOG.warnf("ignoring balance state of unsupported schema %s", state.schemaVersion());
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warnf("ignoring unreadable balance state: %s", e.getMessage());
        }
    }
}
