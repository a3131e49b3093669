package dev.llmfleet.common.http;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientResponse;

/**
 * A JSON POST to a peer the fleet does not control (a webhook, a job's callback, the top-up endpoint): a connection
 * silent for the idle timeout is closed, and a caller that gives up (a fault-tolerance timeout cancels the Uni) resets
 * the request, so no peer holds a connection. Its answer is read with {@link CappedBody}.
 */
public final class PeerPost {
    private PeerPost() {
    }

    /** A POST of JSON to {@code url}, its connection closed after {@code idleTimeoutMs} of silence. */
    public static RequestOptions json(String url, long idleTimeoutMs) {
        return new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .putHeader("Content-Type", "application/json").setIdleTimeout(idleTimeoutMs);
    }

    /** Sends {@code body}; answers the response, whose body the caller reads with {@link CappedBody}. */
    public static Uni<HttpClientResponse> send(HttpClient http, RequestOptions request, Buffer body) {
        return http.request(request).chain(req -> req.send(body).onCancellation().invoke(req::reset));
    }

    /**
     * Sends {@code body} and completes once the peer answered below 300, its answer read at most {@code cap} bytes
     * deep (only the status counts); otherwise fails with {@code refusal} followed by the status.
     */
    public static Uni<Void> acknowledged(HttpClient http, RequestOptions request, Buffer body, int cap, String refusal) {
        return send(http, request, body).chain(response -> CappedBody.discard(response, cap).invoke(() -> {
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(refusal + response.statusCode());
            }
        }));
    }
}
