package dev.llmfleet.worker.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.jobs.CallbackUrls;
import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.common.provider.Backoff;
import dev.llmfleet.worker.config.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * POSTs a finished job to its {@code callback_url}, retried with backoff, to the URLs {@link CallbackUrls}
 * allows. Unless private targets are allowed, each attempt resolves the host (on a worker thread), refuses it if any
 * address is internal, and connects to the address it checked, so DNS cannot point a callback inside the network. A
 * callback that keeps failing is logged and counted; the result stays readable with {@code GET /v1/jobs/{id}} and on
 * {@code llm.results}.
 */
@ApplicationScoped
public class CallbackSender {
    private static final Logger LOG = Logger.getLogger(CallbackSender.class);

    private final HttpClient http;
    private final ObjectMapper mapper;
    private final WorkerConfig.Callbacks config;
    private final MeterRegistry registry;
    private final Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
    private final Resolver resolver;

    /** Name resolution (the system's, blocking: called on a worker thread). */
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    @Inject
    public CallbackSender(Vertx vertx, ObjectMapper mapper, WorkerConfig config, MeterRegistry registry) {
        this(vertx, mapper, config, registry, InetAddress::getAllByName);
    }

    CallbackSender(Vertx vertx, ObjectMapper mapper, WorkerConfig config, MeterRegistry registry, Resolver resolver) {
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setMaxPoolSize(50));
        this.mapper = mapper;
        this.config = config.callbacks();
        this.registry = registry;
        this.resolver = resolver;
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
                    boolean refused = failure instanceof Refused;
                    registry.counter("fleet.jobs.callbacks", "outcome", refused ? "refused" : "failed").increment();
                    LOG.warnf("callback for job %s %s: %s", result.jobId(),
                            refused ? "refused" : "failed after " + config.attempts() + " attempts", failure.getMessage());
                });
    }

    /** The host resolves to an address callbacks must not reach: final, not retried. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private Uni<Void> attempt(String url, Buffer body, int number) {
        return target(url)
                .chain(http::request)
                .chain(req -> req.send(body))
                .chain(response -> response.body().map(ignored -> {
                    if (response.statusCode() >= 300) {
                        throw new IllegalStateException("receiver answered " + response.statusCode());
                    }
                    return (Void) null;
                }))
                .onFailure(e -> !(e instanceof Refused) && number < config.attempts())
                .recoverWithUni(e -> Backoff.sleep(backoff.delay(number, null)).chain(() -> attempt(url, body, number + 1)));
    }

    /** The request, pinned (unless private targets are allowed) to a resolved address checked to be public. */
    private Uni<RequestOptions> target(String url) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .putHeader("Content-Type", "application/json").setIdleTimeout(10_000);
        if (config.allowPrivate()) {
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
