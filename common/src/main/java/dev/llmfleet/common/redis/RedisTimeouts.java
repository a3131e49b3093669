package dev.llmfleet.common.redis;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * How long the fleet waits for one Redis command, per role: the one place these bounds are set. The Quarkus Redis
 * client has no command timeout of its own ({@code quarkus.redis.timeout} bounds only the blocking API, which the
 * fleet does not use), so every command on a request's path goes through {@link #state} or {@link #cache}; past the
 * bound it fails with a {@link TimeoutException}. The command itself is not withdrawn: a stalled Redis still holds
 * its connection until {@code quarkus.redis.tcp.read-idle-timeout} closes it.
 */
@ApplicationScoped
public class RedisTimeouts {
    private final Duration state;
    private final Duration cache;

    public RedisTimeouts(Config config) {
        this.state = config.stateTimeout();
        this.cache = config.cacheTimeout();
    }

    /** The bounds per role; the clients' own connection bounds are beside them in common's microprofile-config.properties. */
    @ConfigMapping(prefix = "fleet.redis")
    public interface Config {
        /** Longest wait on a state-role command of a request (job store, idempotency replay): past it, a 503 with Retry-After. */
        @WithDefault("2s")
        Duration stateTimeout();

        /** Longest wait on a cache-role command: past it a read is a miss and a write is skipped (it never delays an answer). */
        @WithDefault("100ms")
        Duration cacheTimeout();
    }

    /** One role's bound ({@link #state} or {@link #cache}), for code that treats both roles alike. */
    @FunctionalInterface
    public interface Bound {
        <T> Uni<T> apply(Uni<T> command);
    }

    /** {@code command} on the state role, failing once it has waited {@code fleet.redis.state-timeout}. */
    public <T> Uni<T> state(Uni<T> command) {
        return bounded(command, "state", state);
    }

    /** {@code command} on the cache role, failing once it has waited {@code fleet.redis.cache-timeout}. */
    public <T> Uni<T> cache(Uni<T> command) {
        return bounded(command, RedisRoles.CACHE, cache);
    }

    private static <T> Uni<T> bounded(Uni<T> command, String role, Duration timeout) {
        return command.ifNoItem().after(timeout)
                .failWith(() -> new TimeoutException("the " + role + " Redis did not answer within " + timeout.toMillis() + " ms"));
    }
}
