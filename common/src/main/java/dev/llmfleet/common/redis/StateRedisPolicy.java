package dev.llmfleet.common.redis;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;

/**
 * The state Redis must not evict: an evicted ledger dedupe key counts a charge twice, an evicted job record
 * strands a job, an evicted replay charges an idempotency key twice. A service refuses to start on a state
 * Redis whose {@code maxmemory-policy} is anything but {@code noeviction}, and {@link RedisHealth} reports
 * one changed later. A Redis that hides {@code CONFIG} (some managed offerings) or is unreachable at
 * startup is not refused: it is logged, and the health check keeps looking.
 */
@ApplicationScoped
public class StateRedisPolicy {
    private static final Logger LOG = Logger.getLogger(StateRedisPolicy.class);
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(5);

    private final ReactiveRedisDataSource state;

    public StateRedisPolicy(ReactiveRedisDataSource state) {
        this.state = state;
    }

    void onStart(@Observes StartupEvent event) {
        verify();
    }

    /** Fails when the state Redis says it may evict; only logs when it cannot tell. */
    public void verify() {
        Optional<String> policy;
        try {
            policy = Optional.of(policy().await().atMost(STARTUP_WAIT));
        } catch (RuntimeException e) {
            LOG.warnf("could not read the state Redis' maxmemory-policy at startup (%s); /q/health keeps checking it", e.toString());
            policy = Optional.empty();
        }
        policy.flatMap(StateRedisPolicy::problem).ifPresent(problem -> {
            throw new IllegalStateException(problem);
        });
    }

    /** The state Redis' {@code maxmemory-policy}; fails when it is unreachable or will not say. */
    public Uni<String> policy() {
        return state.execute("CONFIG", "GET", "maxmemory-policy")
                .map(reply -> {
                    // RESP3 answers a map, RESP2 a [name, value] array
                    Response value = reply == null ? null
                            : reply.isMap() ? reply.get("maxmemory-policy") : reply.size() == 2 ? reply.get(1) : null;
                    if (value == null) {
                        throw new IllegalStateException("CONFIG GET maxmemory-policy answered " + reply);
                    }
                    return value.toString();
                });
    }

    /** What is wrong with {@code policy} on the state role, said so that an operator can act on it; empty when nothing. */
    public static Optional<String> problem(String policy) {
        if (RedisRoles.NOEVICTION.equals(policy)) {
            return Optional.empty();
        }
        return Optional.of("The state Redis (REDIS_URL) has maxmemory-policy " + policy + ", but it must be noeviction:"
                + " it holds job records, ledger dedupe keys and idempotency replays, and evicting any of them loses"
                + " jobs or counts charges twice. Run CONFIG SET maxmemory-policy noeviction on it (and set it in its"
                + " redis.conf), or point REDIS_URL at a Redis that never evicts; the answer cache, which may evict,"
                + " can have a Redis of its own (REDIS_CACHE_URL).");
    }
}
