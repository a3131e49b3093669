package dev.llmfleet.localstack.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;

/**
 * A receiver of outgoing deliveries (webhooks, callbacks) for tests of the clients that send them: a plain HTTP server
 * on loopback that reads each request's body, notes when it arrived, and lets a {@link Behaviour} answer it. Each request has a thread of its own, so a receiver that hangs does not hold up the next.
 */
public final class LoopbackReceiver implements AutoCloseable {
    /** What the receiver does with one request (its number, 1-based). */
    public interface Behaviour {
        void answer(HttpExchange exchange, int number) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final String url;
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();

    private LoopbackReceiver(String path, Behaviour behaviour) throws IOException {
        AtomicInteger count = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(handlers);
        server.createContext(path, exchange -> {
            arrivals.add(System.nanoTime());
            exchange.getRequestBody().readAllBytes();
            try {
                behaviour.answer(exchange, count.incrementAndGet());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** A receiver at {@code path} (e.g. {@code /hook}), running until {@link #close}. */
    public static LoopbackReceiver start(String path, Behaviour behaviour) throws IOException {
        return new LoopbackReceiver(path, behaviour);
    }

    /** Answers request number n with the status {@code statusOf} gives, and no body. */
    public static Behaviour status(IntUnaryOperator statusOf) {
        return (exchange, n) -> exchange.sendResponseHeaders(statusOf.applyAsInt(n), -1);
    }

    /**
     * Answers 200 with a body that does not end (for 30 s, or 2 GiB, so a broken client cannot hang the test run),
     * counting the bytes it got rid of in {@code written} and setting {@code cut} once the client closed the connection.
     */
    public static Behaviour endlessBody(AtomicLong written, AtomicBoolean cut) {
        return (exchange, n) -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[8192];
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            try (OutputStream out = exchange.getResponseBody()) {
                while (System.nanoTime() < deadline && written.get() < 2L << 30) {
                    out.write(chunk);
                    out.flush();
                    written.addAndGet(chunk.length);
                }
            } catch (IOException closedByTheClient) {
                cut.set(true);
            }
        };
    }

    /** Where to deliver: {@code http://127.0.0.1:PORT/PATH}. */
    public String url() {
        return url;
    }

    /** {@link System#nanoTime()} of each request's arrival, in order. */
    public List<Long> arrivals() {
        return arrivals;
    }

    /** Stops the server and waits up to 10 s for the requests in hand (release any a behaviour holds first). */
    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        handlers.shutdown();
        handlers.awaitTermination(10, TimeUnit.SECONDS);
    }
}
