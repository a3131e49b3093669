package dev.llmfleet.worker.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.jobs.CallbackUrls;
import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.common.provider.Backoff;
import dev.llmfleet.worker.config.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * POSTs a finished job to its {@code callback_url}, retried with backoff, to the URLs {@link CallbackUrls}
 * allows. A callback that keeps failing is logged and counted; the result stays
 * readable with {@code GET /v1/jobs/{id}} and on {@code llm.results}.
 */
@ApplicationScoped
public class CallbackSender {
    private static final Logger LOG = Logger.getLogger(CallbackSender.class);

    private final HttpClient http;
    private final ObjectMapper mapper;
    private final WorkerConfig.Callbacks config;
    private final MeterRegistry registry;
    private final Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));

    public CallbackSender(Vertx vertx, ObjectMapper mapper, WorkerConfig config, MeterRegistry registry) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setMaxPoolSize(50));
        this.mapper = mapper;
        this.config = config.callbacks();
        this.registry = registry;
    }

    /** Sends in the background; the job's completion never waits for the receiver. */
    public void send(String url, JobCompleted result) {
        if (!CallbackUrls.allowed(url, config.allowPrivate())) {
            LOG.warnf("callback for job %s refused: %s is not an allowed http(s) URL", result.jobId(), url);
            registry.counter("fleet.jobs.callbacks", "outcome", "refused").increment();
            return;
        }
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("job result cannot be encoded", e);
        }
        attempt(url, Buffer.buffer(body), 1).subscribe().with(
                ok -> registry.counter("fleet.jobs.callbacks", "outcome", "delivered").increment(),
                failure -> {
                    registry.counter("fleet.jobs.callbacks", "outcome", "failed").increment();
                    LOG.warnf("callback for job %s failed after %d attempts: %s", result.jobId(), config.attempts(), failure.getMessage());
                });
    }

    private Uni<Void> attempt(String url, Buffer body, int number) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .putHeader("Content-Type", "application/json").setIdleTimeout(10_000);
        return http.request(request)
                .chain(req -> req.send(body))
                .chain(response -> response.body().map(ignored -> {
                    if (response.statusCode() >= 300) {
                        throw new IllegalStateException("receiver answered " + response.statusCode());
                    }
                    return (Void) null;
                }))
                .onFailure(e -> number < config.attempts()).recoverWithUni(e -> Backoff.sleep(backoff.delay(number, null)).chain(() -> attempt(url, body, number + 1)));
    }
}
