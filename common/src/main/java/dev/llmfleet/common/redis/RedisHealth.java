package dev.llmfleet.common.redis;

import io.quarkus.redis.client.RedisClientName;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.health.api.Wellness;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

import java.time.Duration;

/**
 * Both Redis roles in {@code /q/health} (and {@code /q/health/well}): the state role's reachability and eviction
 * policy, the cache role's reachability. A wellness check, not a readiness one (Quarkus' own Redis readiness check
 * is off): with the cache down the interactive lane still answers (as misses), and with the state down it still
 * answers requests without an idempotency key, so neither may take intake out of its Service.
 */
@Wellness
@ApplicationScoped
public class RedisHealth implements AsyncHealthCheck {
    private static final Duration WAIT = Duration.ofSeconds(2);

    private final StateRedisPolicy statePolicy;
    private final ReactiveRedisDataSource cache;

    public RedisHealth(StateRedisPolicy statePolicy, @RedisClientName(RedisRoles.CACHE) ReactiveRedisDataSource cache) {
        this.statePolicy = statePolicy;
        this.cache = cache;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        Uni<String> state = statePolicy.policy().ifNoItem().after(WAIT).fail()
                .map(policy -> StateRedisPolicy.problem(policy).map(problem -> "evicting (" + policy + "): " + problem)
                        .orElse("up (" + policy + ")"))
                .onFailure().recoverWithItem(e -> "down: " + e);
        Uni<String> cacheRole = cache.execute("PING").ifNoItem().after(WAIT).fail()
                .map(pong -> "up")
                .onFailure().recoverWithItem(e -> "down: " + e);
        return Uni.combine().all().unis(state, cacheRole).with((s, c) -> {
            HealthCheckResponseBuilder builder = HealthCheckResponse.named("Redis roles").withData("state", s).withData("cache", c);
            return builder.status(s.startsWith("up") && c.equals("up")).build();
        });
    }
}
