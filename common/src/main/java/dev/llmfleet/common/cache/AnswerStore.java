package dev.llmfleet.common.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.redis.LuaScript;
import dev.llmfleet.common.redis.RedisRoles;
import dev.llmfleet.common.redis.RedisTimeouts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.client.RedisClientName;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.llmfleet.common.metrics.MetricNames.REDIS_UNAVAILABLE;
import static dev.llmfleet.common.metrics.MetricNames.TAG_OPERATION;
import static dev.llmfleet.common.metrics.MetricNames.TAG_REASON;
import static dev.llmfleet.common.metrics.MetricNames.TAG_ROLE;

/**
 * Finished answers in Redis; which Redis follows from the key ({@link AnswerKeys#isReplay}).
 * <ul>
 * <li>Cached answers live on the cache role, which may evict. Trouble there (down, or slower than
 * {@code fleet.redis.cache-timeout}) is a miss and a skipped store, counted, never an error: the request still
 * gets an answer, it only costs money.</li>
 * <li>Idempotency replays live on the state role, which never evicts. A replay that cannot be read (within
 * {@code fleet.redis.state-timeout}) fails the request with a 503 and {@code Retry-After}: answering without it
 * could charge the same key twice. A replay that cannot be written is counted and skipped: the caller has the
 * answer it paid for.</li>
 * </ul>
 */
@ApplicationScoped
public class AnswerStore {
    private static final Logger LOG = Logger.getLogger(AnswerStore.class);
    /** A state Redis comes back (or fails over) within seconds; the caller's retry should not come sooner. */
    static final long REPLAY_RETRY_AFTER_SECONDS = 5;

    private final Role state;
    private final Role cache;
    private final ObjectMapper mapper;

    public AnswerStore(ReactiveRedisDataSource state, @RedisClientName(RedisRoles.CACHE) ReactiveRedisDataSource cache,
                       ObjectMapper mapper, RedisTimeouts timeouts, MeterRegistry registry) {
        this.state = new Role("state", state, timeouts::state, "requests with an Idempotency-Key are refused with 503", registry);
        this.cache = new Role(RedisRoles.CACHE, cache, timeouts::cache, "answers are served as cache misses and not cached", registry);
        this.mapper = mapper;
    }

    /**
     * The stored answer, or null when there is none. A cached answer Redis cannot give is null too; a replay
     * Redis cannot give fails with a 503 {@link FleetException}.
     */
    public Uni<StoredAnswer> get(String key) {
        if (!AnswerKeys.isReplay(key)) {
            return cache.get(key).map(this::decode).onFailure().recoverWithItem(e -> null);
        }
        return state.get(key).map(this::decode).onFailure().transform(e -> FleetException.serverError(503,
                "idempotency_unavailable", "The Idempotency-Key cannot be honoured right now: the fleet's state store is"
                + " unreachable, so an earlier answer to this key cannot be ruled out. Retry later with the same key.",
                REPLAY_RETRY_AFTER_SECONDS));
    }

    /** Stores {@code answer} for {@code ttl}; a Redis failure is counted and logged, never raised. */
    public Uni<Void> put(String key, StoredAnswer answer, Duration ttl) {
        String json;
        try {
            json = mapper.writeValueAsString(answer);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return (AnswerKeys.isReplay(key) ? state : cache).set(key, json, ttl).onFailure().recoverWithNull();
    }

    /**
     * Runs a script of the cache's own (the coalescing lease) on the cache Redis, bounded, counted (operation
     * {@code script}) and logged like its other commands.
     */
    Uni<Response> runOnCache(LuaScript script, List<String> keys, List<String> args) {
        return cache.run(script, keys, args);
    }

    /** True while the cache Redis fails (since its last command failed, until one succeeds). */
    boolean cacheFailing() {
        return cache.failing.get();
    }

    StoredAnswer decode(String json) {
        if (json == null) {
            return null;
        }
        try {
            return mapper.readValue(json, StoredAnswer.class);
        } catch (JsonProcessingException e) {
            LOG.warnf("unreadable stored answer ignored (%s)", e.getOriginalMessage());
            return null;
        }
    }

    /**
     * One Redis role's commands, each bounded by the role's timeout ({@link RedisTimeouts}); a failure is counted (a
     * timeout apart from an error), and logged once when the role goes from working to failing (not once per request
     * during an outage).
     */
    private static final class Role {
        private final String name;
        private final ReactiveValueCommands<String, String> values;
        private final RedisTimeouts.Bound bound;
        /** What callers see while the role fails, for the log. */
        private final String whileFailing;
        private final Failures getFailures;
        private final Failures setFailures;
        private final Failures scriptFailures;
        private final ReactiveRedisDataSource redis;
        private final AtomicBoolean failing = new AtomicBoolean();

        Role(String name, ReactiveRedisDataSource redis, RedisTimeouts.Bound bound, String whileFailing, MeterRegistry registry) {
            this.name = name;
            this.redis = redis;
            this.values = redis.value(String.class, String.class);
            this.bound = bound;
            this.whileFailing = whileFailing;
            this.getFailures = new Failures(registry, name, "get");
            this.setFailures = new Failures(registry, name, "set");
            this.scriptFailures = new Failures(registry, name, "script");
        }

        Uni<String> get(String key) {
            return watched(values.get(key), getFailures);
        }

        Uni<Void> set(String key, String json, Duration ttl) {
            return watched(values.set(key, json, new SetArgs().px(ttl)), setFailures);
        }

        Uni<Response> run(LuaScript script, List<String> keys, List<String> args) {
            return watched(script.run(redis, keys, args), scriptFailures);
        }

        private <T> Uni<T> watched(Uni<T> command, Failures failures) {
            return bound.apply(command)
                    .onItem().invoke(() -> {
                        if (failing.compareAndSet(true, false)) {
                            LOG.infof("the %s Redis answers again", name);
                        }
                    })
                    .onFailure().invoke(e -> {
                        failures.count(e);
                        if (failing.compareAndSet(false, true)) {
                            LOG.warnf("the %s Redis is failing (%s): %s", name, e.toString(), whileFailing);
                        }
                    });
        }
    }

    /** One operation's failed commands: those that timed out, and those Redis (or the connection) failed. */
    private record Failures(Counter timeouts, Counter errors) {
        Failures(MeterRegistry registry, String role, String operation) {
            this(counter(registry, role, operation, "timeout"), counter(registry, role, operation, "error"));
        }

        private static Counter counter(MeterRegistry registry, String role, String operation, String reason) {
            return Counter.builder(REDIS_UNAVAILABLE).description("Answer-store Redis commands that failed or timed out")
                    .tags(TAG_ROLE, role, TAG_OPERATION, operation, TAG_REASON, reason).register(registry);
        }

        void count(Throwable failure) {
            (failure instanceof TimeoutException ? timeouts : errors).increment();
        }
    }
}
