package dev.llmfleet.common.cache;

import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.provider.Backoff;
import dev.llmfleet.common.redis.LuaScript;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * One provider call for a herd of identical requests, across every instance: of the requests that miss the cache
 * on one key at once, the first takes a lease on the key (cache Redis, {@code SET NX PX}) and calls the provider; the
 * others wait for the answer it stores and are served it as a cache hit, charged nothing. A holder whose call fails
 * gives the lease up and the next waiter takes it; a waiter that has waited {@code fleet.cache.coalesce-wait} calls
 * itself. Like the cache, this fails open: a cache Redis that fails or is slow means every request calls.
 */
@ApplicationScoped
public class RequestCoalescer {
    private static final LuaScript TURN = LuaScript.load(RequestCoalescer.class, "coalesce-turn");
    private static final LuaScript RELEASE = LuaScript.load(RequestCoalescer.class, "coalesce-release");
    /** A waiter looks again after its poll interval, doubled each time up to this: a long call is not polled 50 times a second. */
    static final Duration MAX_POLL = Duration.ofMillis(250);

    private final AnswerStore answers;
    private final Duration wait;
    private final Duration poll;

    public RequestCoalescer(AnswerStore answers, FleetConfig config) {
        this.answers = answers;
        this.wait = config.cache().coalesceWait();
        this.poll = config.cache().coalescePoll();
    }

    /**
     * What a request that missed the cache on {@code cacheKey} does: call the provider (a {@link Turn} with a lease, or
     * with {@link CacheLease#NONE} when it may not coordinate), or take the answer an identical request stored.
     */
    public Uni<Turn> take(String cacheKey) {
        if (wait.isZero() || answers.cacheFailing()) {
            return Uni.createFrom().item(Turn.CALL);
        }
        String token = UUID.randomUUID().toString();
        return take(cacheKey, token, System.nanoTime() + wait.toNanos(), poll);
    }

    private Uni<Turn> take(String cacheKey, String token, long deadline, Duration nextPoll) {
        String lease = AnswerKeys.lease(cacheKey);
        return answers.runOnCache(TURN, List.of(cacheKey, lease), List.of(token, Long.toString(wait.toMillis())))
                .map(reply -> turn(reply, lease, token))
                .onFailure().recoverWithItem(Turn.CALL)
                .chain(turn -> turn != null || System.nanoTime() >= deadline
                        ? Uni.createFrom().item(turn != null ? turn : Turn.CALL)
                        : Backoff.sleep(nextPoll).chain(() -> take(cacheKey, token, deadline, min(nextPoll.multipliedBy(2), MAX_POLL))));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The script's answer as a turn; null to wait on. */
    private Turn turn(Response reply, String lease, String token) {
        String verdict = reply.get(0).toString();
        if ("answer".equals(verdict)) {
            StoredAnswer stored = answers.decode(reply.get(1).toString());
            return stored == null ? Turn.CALL : new Turn(stored, CacheLease.NONE);
        }
        if ("lead".equals(verdict)) {
            return new Turn(null, new CacheLease(() -> answers.runOnCache(RELEASE, List.of(lease), List.of(token)).replaceWithVoid()));
        }
        return null;
    }

    /**
     * A request's turn: {@code answer} stored by an identical request (serve it), or null, and then the request calls
     * the provider, holding {@code lease} until its answer is stored.
     */
    public record Turn(StoredAnswer answer, CacheLease lease) {
        static final Turn CALL = new Turn(null, CacheLease.NONE);
    }
}
