package dev.llmfleet.intake.messaging;

import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.tracing.Traces;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Puts accepted jobs on {@code llm.jobs.high|normal|bulk} (one channel, {@code llm-jobs}, the topic chosen per
 * message by priority), keyed by job id. Unlike usage events this is not fire-and-forget: the returned Uni
 * completes only once the broker acknowledged the record (acks=all), so a 202 always means "in Kafka". The record
 * carries the request's trace (its {@code traceparent} header), which the worker continues.
 */
@ApplicationScoped
public class JobRequestedPublisher {
    private final MutinyEmitter<JobRequested> emitter;

    public JobRequestedPublisher(@Channel("llm-jobs") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 20_000)
                                 MutinyEmitter<JobRequested> emitter) {
        this.emitter = emitter;
    }

    /** Sends {@code job} to its priority's topic; fails when the broker did not take it. */
    public Uni<Void> publish(JobRequested job) {
        Message<JobRequested> message = Message.of(job).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(job.priority().topic())
                .withKey(job.jobId())
                .build())
                .addMetadata(Traces.current());
        return emitter.sendMessage(message);
    }
}
