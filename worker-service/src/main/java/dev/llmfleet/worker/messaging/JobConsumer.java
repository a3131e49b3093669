package dev.llmfleet.worker.messaging;

import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.common.messaging.Topics;
import dev.llmfleet.common.tracing.Traces;
import dev.llmfleet.worker.service.JobRunner;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * The async lane's consumers: one stream per job topic, each running up to {@code prefetch} jobs at
 * once (the {@link dev.llmfleet.worker.service.ConcurrencyLimiter} decides which actually call the
 * provider). A consumed record is acknowledged — and its offset becomes committable — only when its
 * outcome is durable: the result on {@code llm.results}, or the job on the retry or dead-letter topic.
 */
@ApplicationScoped
public class JobConsumer {
    private static final Logger LOG = Logger.getLogger(JobConsumer.class);
    private final JobRunner runner;
    private final int prefetch;

    public JobConsumer(JobRunner runner, @ConfigProperty(name = "fleet.worker.prefetch", defaultValue = "128") int prefetch) {
        this.runner = runner;
        this.prefetch = prefetch;
    }

    @Incoming("llm-jobs-high")
    @Outgoing("llm-results")
    public Multi<Message<JobCompleted>> high(Multi<Message<String>> records) {
        return run(records, Topics.JOBS_HIGH);
    }

    @Incoming("llm-jobs-normal")
    @Outgoing("llm-results")
    public Multi<Message<JobCompleted>> normal(Multi<Message<String>> records) {
        return run(records, Topics.JOBS_NORMAL);
    }

    @Incoming("llm-jobs-bulk")
    @Outgoing("llm-results")
    public Multi<Message<JobCompleted>> bulk(Multi<Message<String>> records) {
        return run(records, Topics.JOBS_BULK);
    }

    @Incoming("llm-jobs-retry")
    @Outgoing("llm-results")
    public Multi<Message<JobCompleted>> retry(Multi<Message<String>> records) {
        return run(records, Topics.JOBS_RETRY);
    }

    /**
     * One record's run never fails the stream: whatever fails in it (Redis, Kafka, a bug) ends as an acknowledgement
     * (the runner put the job somewhere durable) or, when even that failed, a nack for the channel's failure strategy.
     */
    private Multi<Message<JobCompleted>> run(Multi<Message<String>> records, String topic) {
        return records
                .onItem().transformToUni(record -> run(record, topic)
                        .chain(result -> result.isPresent()
                                ? Uni.createFrom().item(Optional.of(resultMessage(record, result.get())))
                                : Uni.createFrom().completionStage(record::ack).replaceWith(Optional.<Message<JobCompleted>>empty()))
                        .onFailure().recoverWithUni(failure -> nack(record, failure)))
                .merge(prefetch)
                .select().where(Optional::isPresent)
                .map(Optional::get);
    }

    /** Runs one record's job within the record's trace (the one intake's request started). */
    private Uni<Optional<JobCompleted>> run(Message<String> record, String topic) {
        Traces.adopt(record);
        return runner.run(record.getPayload(), key(record), topic);
    }

    private static Uni<Optional<Message<JobCompleted>>> nack(Message<String> record, Throwable failure) {
        LOG.warnf("job record %s could not be brought to an outcome, nacked: %s", key(record), failure.toString());
        return Uni.createFrom().completionStage(() -> record.nack(failure))
                .onFailure().invoke(e -> LOG.errorf("job record %s could not be nacked either: %s", key(record), e.toString()))
                .onItemOrFailure().transform((ignored, e) -> Optional.<Message<JobCompleted>>empty());
    }

    /**
     * The result message: once the broker has the result, the job's end is marked announced and the consumed record
     * acknowledged.
     */
    private Message<JobCompleted> resultMessage(Message<String> record, JobCompleted result) {
        return record.withPayload(result).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(result.jobId()).build())
                .withAck(() -> runner.announced(result.jobId()).subscribeAsCompletionStage().thenCompose(ignored -> record.ack()));
    }

    private static String key(Message<String> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> String.valueOf(m.getKey())).orElse(null);
    }
}
