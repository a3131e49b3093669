package dev.llmfleet.loadtest;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.net.ConnectException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends open-loop load: request {@code i} of a stage leaves at {@code start + i/rate} whether or not
 * earlier ones have been answered, and its latency is measured from that scheduled time, so a target
 * that slows down shows its queueing instead of slowing the load (no coordinated omission).
 * Requests go out through a non-blocking Vert.x client with a fixed connection pool per target;
 * when every connection is busy a request waits in the pool's queue, and that wait counts as latency.
 */
public final class LoadRunner implements AutoCloseable {
    /** Request headers and limits shared by every target of a run. */
    public record Settings(String apiKey, boolean noCache, int connections, Duration timeout) {
    }

    private final Settings settings;
    private final Vertx vertx;
    private final Map<String, HttpClient> clients = new HashMap<>();

    public LoadRunner(Settings settings) {
        this.settings = settings;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setBlockedThreadCheckInterval(10_000));
    }

    /**
     * Runs one stage against one target, then waits (up to the timeout) for its last answers.
     *
     * @param firstRequest the workload position to start from; the stage sends {@link Stage#plannedRequests()} from there
     */
    public StageResult run(Target target, int index, Stage stage, Workload workload, long firstRequest) {
        HttpClient client = clients.computeIfAbsent(target.name(), name -> vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true).setTcpNoDelay(true)
                        .setKeepAliveTimeout(120).setSsl("https".equals(target.baseUrl().getScheme())),
                new PoolOptions().setHttp1MaxSize(settings.connections()).setMaxWaitQueueSize(-1)));
        StageRecorder recorder = new StageRecorder();
        AtomicLong inFlight = new AtomicLong();
        AtomicLong lastAnswer = new AtomicLong();
        long cursor = firstRequest;
        long planned = stage.plannedRequests();
        long start = System.nanoTime();
        for (long i = 0; i < planned; i++) {
            long due = start + stage.dueOffsetNanos(i);
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            recorder.sent(System.nanoTime() - due);
            inFlight.incrementAndGet();
            send(client, target, workload.get(cursor++), due, recorder, inFlight, lastAnswer);
        }
        long drainDeadline = System.nanoTime() + settings.timeout().toNanos() + Duration.ofSeconds(5).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        long unfinished = recorder.close();
        long end = Math.max(start + stage.duration().toNanos(), unfinished > 0 ? System.nanoTime() : lastAnswer.get());
        return recorder.result(target.name(), index, stage, end - start);
    }

    private void send(HttpClient client, Target target, WorkloadRequest request, long due, StageRecorder recorder,
                      AtomicLong inFlight, AtomicLong lastAnswer) {
        long timeoutMillis = settings.timeout().toMillis();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(target.completionsUri().toString())
                .setConnectTimeout(timeoutMillis).setIdleTimeout(timeoutMillis)
                .putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + settings.apiKey());
        if (!request.feature().isEmpty()) {
            options.putHeader("X-Fleet-Feature", request.feature());
        }
        if (settings.noCache()) {
            options.putHeader("Cache-Control", "no-cache");
        }
        client.request(options)
                .compose(req -> req.send(Buffer.buffer(request.body())))
                .compose(response -> response.body().map(body -> facts(response, body, request.stream())))
                .onComplete(outcome -> {
                    long now = System.nanoTime();
                    if (outcome.succeeded()) {
                        recorder.answered(outcome.result(), now - due);
                    } else {
                        recorder.failed(kind(outcome.cause()));
                    }
                    lastAnswer.accumulateAndGet(now, Math::max);
                    inFlight.decrementAndGet();
                });
    }

    private static ResponseFacts facts(HttpClientResponse response, Buffer body, boolean stream) {
        MultiMap headers = response.headers();
        MultiMap trailers = response.trailers();
        return ResponseFacts.of(response.statusCode(), headers::get, trailers::get, stream ? body.toString() : null);
    }

    /** A short, bounded name for a transport failure, used as its key in the error counts. */
    static String kind(Throwable failure) {
        if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
            return "timeout";
        }
        if (failure instanceof ConnectException) {
            return "connect";
        }
        String message = String.valueOf(failure.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("closed") || message.contains("reset")) {
            return "connection_closed";
        }
        return "transport_" + failure.getClass().getSimpleName();
    }

    @Override
    public void close() {
        clients.values().forEach(HttpClient::close);
        Future<Void> closed = vertx.close();
        closed.toCompletionStage().toCompletableFuture().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}
