package dev.llmfleet.common.http;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClientResponse;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads an HTTP answer from a peer the fleet does not control at most {@code cap} bytes deep: past the cap (or when the
 * caller gives up, e.g. on a fault-tolerance timeout) the request is reset, which closes its HTTP/1.1 connection, so a
 * huge or endless body costs at most the cap (plus one network read) and never holds the connection.
 */
public final class CappedBody {
    private CappedBody() {
    }

    /** Thrown by {@link #read} when the body is longer than the cap. */
    public static final class TooLarge extends RuntimeException {
        public TooLarge(int cap) {
            super("answer body longer than " + cap + " bytes", null, false, false);
        }
    }

    /** The body, or a {@link TooLarge} failure once it passes {@code cap} bytes. */
    public static Uni<Buffer> read(HttpClientResponse response, int cap) {
        return consume(response, cap, true);
    }

    /** Reads and drops the body up to {@code cap} bytes; a longer one is cut there (the status is all the caller needs). */
    public static Uni<Void> discard(HttpClientResponse response, int cap) {
        return consume(response, cap, false).replaceWithVoid();
    }

    private static Uni<Buffer> consume(HttpClientResponse response, int cap, boolean keep) {
        AtomicBoolean done = new AtomicBoolean();
        return Uni.createFrom().<Buffer>emitter(emitter -> {
            Buffer body = Buffer.buffer();
            int[] seen = {0};
            response.exceptionHandler(e -> {
                if (done.compareAndSet(false, true)) {
                    emitter.fail(e);
                }
            });
            response.handler(chunk -> {
                if (done.get()) {
                    return;
                }
                seen[0] += chunk.length();
                if (seen[0] > cap) {
                    done.set(true);
                    response.request().reset();
                    if (keep) {
                        emitter.fail(new TooLarge(cap));
                    } else {
                        emitter.complete(body);
                    }
                    return;
                }
                if (keep) {
                    body.appendBuffer(chunk);
                }
            });
            response.endHandler(() -> {
                if (done.compareAndSet(false, true)) {
                    emitter.complete(body);
                }
            });
        }).onCancellation().invoke(() -> {
            if (done.compareAndSet(false, true)) {
                response.request().reset();
            }
        });
    }
}
