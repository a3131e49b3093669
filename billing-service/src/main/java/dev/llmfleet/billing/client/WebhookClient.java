package dev.llmfleet.billing.client;

import dev.llmfleet.common.http.PeerPost;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

/**
 * POSTs an alert to the operator's webhook. Each attempt has a timeout; a failed one (an answer of 300 or more, an I/O
 * error, the timeout) is retried with exponential backoff and jitter, then given up on. The webhook is one receiver
 * for every alert, so a circuit breaker guards it: once most recent attempts failed it opens, and deliveries fail fast
 * (retried like any failure, then given up on) without opening connections, until a probe after its delay succeeds.
 * The bulkhead bounds deliveries in flight and waiting. Tuned (times in ms) by
 * {@code quarkus.fault-tolerance."dev.llmfleet.billing.client.WebhookClient/deliver".*}. The receiver's answer is read
 * at most {@link #ANSWER_CAP} bytes deep: only its status counts. A receiver that took an alert but answered too late
 * gets it again (the same {@code alert_id}).
 */
@ApplicationScoped
public class WebhookClient {
    /** The circuit breaker's name (for {@code CircuitBreakerMaintenance}). */
    public static final String BREAKER = "billing-webhook";
    /** Bytes of a receiver's answer read before the connection is closed. */
    public static final int ANSWER_CAP = 4096;
    /** A connection silent this long is closed even if no timeout cancelled its request. */
    private static final long IDLE_TIMEOUT_MS = 10_000;

    private final HttpClient http;

    public WebhookClient(Vertx vertx) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setMaxPoolSize(10));
    }

    /** Completes once the receiver answered below 300; fails with the last attempt's failure. */
    @Retry(maxRetries = 4, delay = 1_000, jitter = 200, maxDuration = 300_000)
    @ExponentialBackoff(maxDelay = 30_000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.8, delay = 30_000)
    @CircuitBreakerName(BREAKER)
    @Timeout(5_000)
    @Bulkhead(value = 10, waitingTaskQueue = 100)
    public Uni<Void> deliver(String url, Buffer body) {
        return PeerPost.acknowledged(http, PeerPost.json(url, IDLE_TIMEOUT_MS), body, ANSWER_CAP, "webhook answered HTTP ");
    }
}
