package dev.llmfleet.worker.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.jobs.CallbackUrls;
import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.worker.client.CallbackClient;
import dev.llmfleet.worker.config.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import static dev.llmfleet.common.metrics.MetricNames.TAG_OUTCOME;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.JOBS_CALLBACKS;

/**
 * Sends a finished job to its {@code callback_url} in the background, to the URLs {@link CallbackUrls} allows, through
 * {@link CallbackClient} (retries, and the DNS check of each attempt). A callback that keeps failing is logged and
 * counted; the result stays readable with {@code GET /v1/jobs/{id}} and on {@code llm.results}.
 */
@ApplicationScoped
public class CallbackSender {
    private static final Logger LOG = Logger.getLogger(CallbackSender.class);

    private final CallbackClient client;
    private final ObjectMapper mapper;
    private final WorkerConfig.Callbacks config;
    private final MeterRegistry registry;

    public CallbackSender(CallbackClient client, ObjectMapper mapper, WorkerConfig config, MeterRegistry registry) {
        this.client = client;
        this.mapper = mapper;
        this.config = config.callbacks();
        this.registry = registry;
    }

    /** Sends in the background; the job's completion never waits for the receiver. */
    public void send(String url, JobCompleted result) {
        if (!CallbackUrls.allowed(url, config.allowPrivate())) {
            LOG.warnf("callback for job %s refused: %s is not an allowed http(s) URL", result.jobId(), url);
            registry.counter(JOBS_CALLBACKS, TAG_OUTCOME, "refused").increment();
            return;
        }
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("job result cannot be encoded", e);
        }
        client.deliver(url, Buffer.buffer(body)).subscribe().with(
                ok -> registry.counter(JOBS_CALLBACKS, TAG_OUTCOME, "delivered").increment(),
                failure -> {
                    boolean refused = failure instanceof CallbackClient.Refused;
                    registry.counter(JOBS_CALLBACKS, TAG_OUTCOME, refused ? "refused" : "failed").increment();
                    LOG.warnf("callback for job %s %s: %s", result.jobId(), refused ? "refused" : "failed", failure.toString());
                });
    }
}
