package dev.llmfleet.billing.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.common.http.CappedBody;
import dev.llmfleet.common.http.PeerPost;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.BeforeRetry;
import io.smallrye.faulttolerance.api.BeforeRetryHandler;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.faulttolerance.ExecutionContext;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.jboss.logging.Logger;

import java.math.BigDecimal;

import static dev.llmfleet.common.metrics.MetricNames.TAG_OUTCOME;
import static dev.llmfleet.billing.metrics.BillingMetricNames.TOPUPS;

/**
 * POSTs one top-up to the provider until it gives a definite answer, with the same Idempotency-Key on every attempt (a
 * provider that honours it credits the top-up once however often it is sent). A 2xx with a JSON body is a success, a
 * 4xx other than 408, 409, 425 and 429 a definite {@link Refused}, never retried. Anything else (the timeout, an I/O
 * error, a 5xx, a 429, an unreadable answer) leaves the outcome unknown: the top-up may have been credited, so it is
 * retried without limit (each one logged and counted {@code fleet_billing_topups_total{outcome="unknown"}}) with
 * exponential backoff up to a bound, never given up on and re-issued under a new key. No circuit breaker: there is
 * one top-up at a time, and failing it fast would only delay its definite answer. Tuned (times in ms) by
 * {@code quarkus.fault-tolerance."dev.llmfleet.billing.client.TopupClient/topup".*}; a finite
 * {@code retry.max-retries} ends the call with {@link Unknown}, and the top-up stays pending for the next evaluation.
 * The answer is read at most {@link #ANSWER_CAP} bytes deep. The API key is never logged.
 */
@ApplicationScoped
public class TopupClient {
    /** Bytes of the endpoint's answer read; a longer 2xx answer is unreadable (an unknown outcome). */
    public static final int ANSWER_CAP = 16 * 1024;
    /** A connection silent this long is closed even if no timeout cancelled its request. */
    private static final long IDLE_TIMEOUT_MS = 30_000;

    private final BillingConfig.Topup config;
    private final ObjectMapper mapper;
    private final HttpClient http;

    public TopupClient(BillingConfig config, ObjectMapper mapper, Vertx vertx) {
        this.config = config.topup();
        this.mapper = mapper;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000));
    }

    /** The endpoint's answer to a top-up of {@code amount} named {@code idempotencyKey}, or a {@link Refused}. */
    @Retry(maxRetries = -1, maxDuration = 0, delay = 500, jitter = 100, abortOn = Refused.class)
    @ExponentialBackoff(maxDelay = 30_000)
    @Timeout(10_000)
    @BeforeRetry(UnknownOutcome.class)
    public Uni<JsonNode> topup(BigDecimal amount, String idempotencyKey) {
        RequestOptions request = PeerPost.json(config.url(), IDLE_TIMEOUT_MS).putHeader("Accept", "application/json")
                .putHeader("Idempotency-Key", idempotencyKey);
        config.apiKey().filter(k -> !k.isBlank()).ifPresent(key -> request.putHeader("Authorization", "Bearer " + key));
        Buffer body = Buffer.buffer(mapper.createObjectNode().put("amount_usd", amount).toString());
        return PeerPost.send(http, request, body)
                .chain(response -> {
                    int status = response.statusCode();
                    if (status >= 200 && status < 300) {
                        return CappedBody.read(response, ANSWER_CAP).map(answer -> parse(status, answer));
                    }
                    return CappedBody.discard(response, ANSWER_CAP).chain(() -> Uni.createFrom().<JsonNode>failure(failure(status)));
                })
                .onFailure(e -> !(e instanceof Refused) && !(e instanceof Unknown))
                .transform(e -> new Unknown(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }

    private JsonNode parse(int status, Buffer answer) {
        try {
            return mapper.readTree(answer.getBytes());
        } catch (java.io.IOException e) {
            throw new Unknown("top-up endpoint answered HTTP " + status + " with a body that is not JSON");
        }
    }

    private static RuntimeException failure(int status) {
        String message = "top-up endpoint answered HTTP " + status;
        boolean refused = status >= 400 && status < 500 && status != 408 && status != 409 && status != 425 && status != 429;
        return refused ? new Refused(message) : new Unknown(message);
    }

    /** No definite answer: the top-up may or may not have been credited; retried with the same Idempotency-Key. */
    public static final class Unknown extends RuntimeException {
        Unknown(String message) {
            super(message, null, false, false);
        }
    }

    /** A definite refusal: nothing was credited. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Before each retry: the attempt it repeats had no definite answer. Logged (amount and cause) and counted. */
    @Dependent
    public static class UnknownOutcome implements BeforeRetryHandler {
        private static final Logger LOG = Logger.getLogger(TopupClient.class);

        private final MeterRegistry registry;

        public UnknownOutcome(MeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void handle(ExecutionContext context) {
            registry.counter(TOPUPS, TAG_OUTCOME, "unknown").increment();
            Throwable cause = context.getFailure();
            LOG.warnf("top-up of $%s: outcome unknown (%s); kept pending and retried with the same key",
                    ((BigDecimal) context.getParameters()[0]).toPlainString(),
                    cause == null ? "no answer" : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        }
    }
}
