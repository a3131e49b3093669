package dev.llmfleet.billing.messaging;

import dev.llmfleet.common.billing.BalanceStateChanged;
import dev.llmfleet.common.billing.BillingAlertRaised;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Billing's outgoing records: the balance state ({@code billing.state}, compacted, fixed key) and alerts ({@code billing.alerts},
 * key = alert id). Each send completes when the broker acknowledged the record and fails when it refused it or the send failed.
 */
@ApplicationScoped
public class BillingPublisher {
    private final MutinyEmitter<BalanceStateChanged> state;
    private final MutinyEmitter<BillingAlertRaised> alerts;

    public BillingPublisher(@Channel("billing-state") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024) MutinyEmitter<BalanceStateChanged> state,
                            @Channel("billing-alerts") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024) MutinyEmitter<BillingAlertRaised> alerts) {
        this.state = state;
        this.alerts = alerts;
    }

    /** Completes when the broker has the state (acks=all), fails otherwise. */
    public Uni<Void> state(BalanceStateChanged value) {
        return send(state, value, BalanceStateChanged.KEY);
    }

    /** Completes when the broker has the alert, fails otherwise. */
    public Uni<Void> alert(BillingAlertRaised value) {
        return send(alerts, value, value.alertId());
    }

    private static <T> Uni<Void> send(MutinyEmitter<T> emitter, T value, String key) {
        return emitter.sendMessage(Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
    }
}
