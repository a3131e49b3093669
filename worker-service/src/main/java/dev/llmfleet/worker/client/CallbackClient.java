package dev.llmfleet.worker.client;

import dev.llmfleet.common.http.PeerPost;
import dev.llmfleet.common.jobs.CallbackUrls;
import dev.llmfleet.worker.config.WorkerConfig;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * POSTs a job result to its callback URL. Unless private targets are allowed, each attempt resolves the host (on a
 * worker thread), refuses it if any address is internal, and connects to the address it checked, so DNS cannot point a
 * callback inside the network. Each attempt has a timeout; a failed one is retried with exponential backoff and jitter,
 * a {@link Refused} never; the bulkhead bounds callbacks in flight (and waiting) so slow receivers cannot pile up
 * connections. Tuned (times in ms) by {@code quarkus.fault-tolerance."dev.llmfleet.worker.client.CallbackClient/deliver".*}.
 * No circuit breaker here: receivers are per job, and one breaker for all of them would let one dead receiver stop every
 * tenant's callbacks. The receiver's answer is read at most {@link #ANSWER_CAP} bytes deep: only its status counts.
 */
@ApplicationScoped
public class CallbackClient {
    /** Bytes of a receiver's answer read before the connection is closed. */
    public static final int ANSWER_CAP = 4096;
    /** A connection silent this long is closed even if no timeout cancelled its request. */
    private static final long IDLE_TIMEOUT_MS = 10_000;

    private final HttpClient http;
    private final boolean allowPrivate;
    private final Resolver resolver;

    /** Name resolution (the system's, blocking: called on a worker thread). */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** The host resolves to an address callbacks must not reach: final, not retried. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    @Inject
    public CallbackClient(Vertx vertx, WorkerConfig config) {
        this(vertx, config, InetAddress::getAllByName);
    }

    public CallbackClient(Vertx vertx, WorkerConfig config, Resolver resolver) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setMaxPoolSize(50));
        this.allowPrivate = config.callbacks().allowPrivate();
        this.resolver = resolver;
    }

    /** Completes once the receiver answered below 300; fails with the last attempt's failure, or a {@link Refused}. */
    @Retry(maxRetries = 3, delay = 500, jitter = 250, maxDuration = 300_000, abortOn = Refused.class)
    @ExponentialBackoff(maxDelay = 30_000)
    @Timeout(15_000)
    @Bulkhead(value = 50, waitingTaskQueue = 1_000)
    public Uni<Void> deliver(String url, Buffer body) {
        return target(url).chain(request -> PeerPost.acknowledged(http, request, body, ANSWER_CAP, "receiver answered "));
    }

    /** The request, pinned (unless private targets are allowed) to a resolved address checked to be public. */
    private Uni<RequestOptions> target(String url) {
        RequestOptions request = PeerPost.json(url, IDLE_TIMEOUT_MS);
        if (allowPrivate) {
            return Uni.createFrom().item(request);
        }
        URI uri = URI.create(url);
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        return Uni.createFrom().item(() -> resolve(host))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(addresses -> {
                    for (InetAddress address : addresses) {
                        if (CallbackUrls.internal(address)) {
                            throw new Refused(host + " resolves to " + address.getHostAddress() + ", an internal address");
                        }
                    }
                    return request.setServer(SocketAddress.inetSocketAddress(port, addresses[0].getHostAddress()));
                });
    }

    private InetAddress[] resolve(String host) {
        try {
            return resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot resolve " + host, e);
        }
    }
}
