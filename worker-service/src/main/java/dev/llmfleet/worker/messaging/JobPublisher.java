package dev.llmfleet.worker.messaging;

import dev.llmfleet.common.jobs.JobDeadLettered;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.tracing.Traces;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Where a job goes when it cannot finish now: the retry topic (with a not-before time, so no consumer
 * sleeps on it) or the dead-letter topic. Each send completes when the broker has the record, and only
 * then is the consumed record acknowledged: a job is never in neither place.
 */
@ApplicationScoped
public class JobPublisher {
    private final MutinyEmitter<JobRequested> retries;
    private final MutinyEmitter<JobDeadLettered> deadLetters;

    public JobPublisher(@Channel("llm-jobs-retry-out") MutinyEmitter<JobRequested> retries,
                        @Channel("llm-jobs-dlq") MutinyEmitter<JobDeadLettered> deadLetters) {
        this.retries = retries;
        this.deadLetters = deadLetters;
    }

    public Uni<Void> retry(JobRequested job) {
        return retries.sendMessage(keyed(job, job.jobId()));
    }

    public Uni<Void> deadLetter(JobDeadLettered record, String key) {
        return deadLetters.sendMessage(keyed(record, key));
    }

    private static <T> Message<T> keyed(T payload, String key) {
        return Message.of(payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build())
                .addMetadata(Traces.current());
    }
}
