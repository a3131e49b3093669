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
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * Sends open-loop load: request {@code i} of a stage leaves at {@code start + i/rate} whether or not
 * earlier ones have been answered, and its latency is measured from that scheduled time, so a target
 * that slows down shows its queueing instead of slowing the load (no coordinated omission).
 * Requests go out through a non-blocking Vert.x client with a fixed connection pool per origin (scheme, host, port);
 * when every connection is busy a request waits in the pool's queue, and that wait counts as latency.
 */
public final class LoadRunner implements AutoCloseable {
    /** Request headers and limits shared by every target of a run; {@code headers} are sent with every request as they are. */
    public record Settings(String apiKey, boolean noCache, int connections, Duration timeout, Map<String, String> headers,
                           Duration keepAliveTimeout) {
        public Settings {
            headers = Map.copyOf(headers);
        }

        public Settings(String apiKey, boolean noCache, int connections, Duration timeout) {
            this(apiKey, noCache, connections, timeout, Map.of(), Duration.ofSeconds(120));
        }
    }

    private final Settings settings;
    private final Vertx vertx;
    private final Map<String, HttpClient> clients = new HashMap<>();

    public LoadRunner(Settings settings) {
        this.settings = settings;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setBlockedThreadCheckInterval(10_000));
    }

    /** One scheduled request: where it is posted, its body and feature, and the recorder that counts its answer. */
    public record Request(URI uri, byte[] body, String feature, boolean stream, StageRecorder recorder) {
    }

    /**
     * Runs one stage of chat completions against one target, then waits (up to the timeout) for its last answers.
     *
     * @param firstRequest the workload position to start from; the stage sends {@link Stage#plannedRequests()} from there
     */
    public StageResult run(Target target, int index, Stage stage, Workload workload, long firstRequest) {
        StageRecorder recorder = new StageRecorder();
        long elapsed = run(stage, n -> {
            WorkloadRequest request = workload.get(firstRequest + n);
            return new Request(target.completionsUri(), request.body(), request.feature(), request.stream(), recorder);
        }, List.of(recorder));
        return recorder.result(target.name(), index, stage, elapsed);
    }

    /**
     * Sends a stage's schedule, request {@code n} as {@code plan} says, then waits (up to the timeout) for the last
     * answers and closes every recorder, so none counts a straggler of this stage later.
     *
     * @return nanoseconds from the stage's start to its last answer (at least the stage's duration)
     */
    public long run(Stage stage, LongFunction<Request> plan, List<StageRecorder> recorders) {
        AtomicLong inFlight = new AtomicLong();
        AtomicLong lastAnswer = new AtomicLong();
        long planned = stage.plannedRequests();
        long start = System.nanoTime();
        for (long i = 0; i < planned; i++) {
            long due = start + stage.dueOffsetNanos(i);
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            Request request = plan.apply(i);
            request.recorder().sent(System.nanoTime() - due);
            inFlight.incrementAndGet();
            send(request, due, inFlight, lastAnswer);
        }
        long drainDeadline = System.nanoTime() + settings.timeout().toNanos() + Duration.ofSeconds(5).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        long unfinished = recorders.stream().mapToLong(StageRecorder::close).sum();
        return Math.max(start + stage.duration().toNanos(), unfinished > 0 ? System.nanoTime() : lastAnswer.get()) - start;
    }

    private HttpClient client(URI uri) {
        String origin = uri.getScheme() + "://" + uri.getHost() + ":" + Target.port(uri);
        return clients.computeIfAbsent(origin, o -> vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true).setTcpNoDelay(true)
                        .setKeepAliveTimeout((int) Math.max(1, settings.keepAliveTimeout().toSeconds())).setSsl("https".equals(uri.getScheme())),
                new PoolOptions().setHttp1MaxSize(settings.connections()).setMaxWaitQueueSize(-1)));
    }

    private void send(Request request, long due, AtomicLong inFlight, AtomicLong lastAnswer) {
        long timeoutMillis = settings.timeout().toMillis();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(request.uri().toString())
                .setConnectTimeout(timeoutMillis).setIdleTimeout(timeoutMillis)
                .putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + settings.apiKey());
        if (!request.feature().isEmpty()) {
            options.putHeader("X-Fleet-Feature", request.feature());
        }
        if (settings.noCache()) {
            options.putHeader("Cache-Control", "no-cache");
        }
        settings.headers().forEach((name, value) -> options.putHeader(name, value));
        StageRecorder recorder = request.recorder();
        AtomicLong firstChunk = new AtomicLong(-1);
        client(request.uri()).request(options)
                .compose(req -> req.send(Buffer.buffer(request.body())))
                .compose(response -> request.stream() ? streamed(response, firstChunk) : response.body().map(body -> facts(response, body, false)))
                .onComplete(outcome -> {
                    long now = System.nanoTime();
                    if (outcome.succeeded()) {
                        long first = firstChunk.get();
                        recorder.answered(outcome.result(), now - due, first < 0 ? -1 : first - due);
                    } else {
                        recorder.failed(kind(outcome.cause()));
                    }
                    lastAnswer.accumulateAndGet(now, Math::max);
                    inFlight.decrementAndGet();
                });
    }

    /** Reads a streamed answer chunk by chunk, noting when the first chunk (the first token) arrived. */
    private static Future<ResponseFacts> streamed(HttpClientResponse response, AtomicLong firstChunk) {
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            firstChunk.compareAndSet(-1, System.nanoTime());
            body.appendBuffer(chunk);
        });
        return response.end().map(done -> facts(response, body, true));
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
