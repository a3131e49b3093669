package dev.llmfleet.billing.messaging;

import dev.llmfleet.billing.service.LedgerService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.List;

/**
 * Consumes {@code llm.usage} (group {@code billing-service}) in batches ({@code batch=true}: each Kafka poll's record
 * values, up to {@code max.poll.records}, as one list of UTF-8 bytes, parsed by the ledger); a batch is acknowledged —
 * its offsets committable — only once the ledger
 * has every record of it (or has rejected it as unreadable), in one Redis round trip.
 */
@ApplicationScoped
public class UsageConsumer {
    private final LedgerService ledger;

    public UsageConsumer(LedgerService ledger) {
        this.ledger = ledger;
    }

    @Incoming("llm-usage-in")
    public Uni<Void> consume(List<byte[]> values) {
        return ledger.ingest(values);
    }
}
