package dev.llmfleet.common;

import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.api.ErrorBody;
import dev.llmfleet.common.billing.BalanceLevel;
import dev.llmfleet.common.billing.BalanceStateChanged;
import dev.llmfleet.common.billing.BillingAlertRaised;
import dev.llmfleet.common.cache.StoredAnswer;
import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.common.jobs.JobDeadLettered;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.common.jobs.Priority;
import dev.llmfleet.common.messaging.UsageRecorded;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Native images only: the records that code hands to an {@code ObjectMapper} itself (Redis values, Kafka payloads,
 * callback and webhook bodies), which Quarkus does not find on its own the way it finds REST parameter and return
 * types. Without this a native image would fail at run time with Jackson's "no serializer / cannot construct" errors.
 * No effect in JVM mode.
 */
@RegisterForReflection(targets = {
        JobRequested.class, JobRecord.class, JobCompleted.class, JobDeadLettered.class, JobStatus.class, Priority.class,
        StoredAnswer.class, UsageRecorded.class, BalanceStateChanged.class, BillingAlertRaised.class, BalanceLevel.class,
        ErrorBody.class, ErrorBody.Error.class, ChatRequest.class, ChatMessage.class })
public final class NativeReflection {

    private NativeReflection() {
    }
}
