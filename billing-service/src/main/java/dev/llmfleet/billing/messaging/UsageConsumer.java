package dev.llmfleet.billing.messaging;

import dev.llmfleet.billing.service.LedgerService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Consumes {@code llm.usage} (group {@code billing-service}); a record is acknowledged — its offset committable —
 * only once the ledger has it (or has rejected it as unreadable).
 */
@ApplicationScoped
public class UsageConsumer {
    private final LedgerService ledger;

    public UsageConsumer(LedgerService ledger) {
        this.ledger = ledger;
    }

    @Incoming("llm-usage-in")
    public Uni<Void> consume(String value) {
        return ledger.ingest(value);
    }
}
