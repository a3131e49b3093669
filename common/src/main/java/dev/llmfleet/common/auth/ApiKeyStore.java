package dev.llmfleet.common.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.redis.LuaScript;
import dev.llmfleet.common.redis.RedisTimeouts;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * API keys and tenant settings on the state Redis. A key's record lives under its keyed hash
 * ({@code fleet:auth:v1:key:<hmac>}), and the id → hash index ({@code fleet:auth:v1:keys}) serves the admin API and
 * the worker. Authenticating is one script that reads the key's record and its tenant's settings together, so the
 * tenant's budget costs no second round trip. Every lookup asks Redis, so a revoked key is refused by every
 * replica from its next request on. Only when Redis cannot answer does a replica fall back on what it last heard:
 * a key it confirmed within {@code fleet.auth.outage-grace} (docs/SECURITY.md weighs this). Only what handles secrets
 * (authenticating, creating keys) needs the key secret: the worker looks keys up by id without one.
 */
@Singleton
public class ApiKeyStore {
    private static final String KEY = "fleet:auth:v1:key:";
    private static final String INDEX = "fleet:auth:v1:keys";
    private static final String TENANT = "fleet:auth:v1:tenant:";
    private static final Logger LOG = Logger.getLogger(ApiKeyStore.class);
    /** KEYS the record (or, with ARGV[3] an id, the index); ARGV record prefix, tenant prefix, id. Returns {record, tenant} or nil. */
    private static final LuaScript FIND = LuaScript.load(ApiKeyStore.class, "auth-key-find");

    private final ReactiveRedisDataSource redis;
    private final RedisTimeouts timeouts;
    private final ObjectMapper mapper;
    private final KeyHasher hasher;
    private final long graceNanos;
    /** Keys confirmed by Redis, by hash, with when: the fallback while Redis cannot answer. Only valid keys ever enter. */
    private final Map<String, Confirmed> confirmed = new ConcurrentHashMap<>();

    private record Confirmed(Caller caller, long atNanos) {
    }

    public ApiKeyStore(ReactiveRedisDataSource redis, RedisTimeouts timeouts, ObjectMapper mapper, AuthConfig config) {
        this.redis = redis;
        this.timeouts = timeouts;
        this.mapper = mapper;
        this.hasher = config.keySecret().map(KeyHasher::new).orElse(null);
        this.graceNanos = config.outageGrace().toNanos();
    }

    /** The hasher of this store's secret (the admin key is compared with it too); fails when no key secret is set. */
    public KeyHasher hasher() {
        if (hasher == null) {
            throw new IllegalStateException("fleet.auth.key-secret (FLEET_KEY_SECRET) is not set: this service cannot check or create API keys");
        }
        return hasher;
    }

    /** Stores {@code key} under a new random API key and answers that key, the only time it exists outside its holder. */
    public Uni<String> create(ApiKey key) {
        String secret = KeyHasher.newKey();
        String hash = hasher().hash(secret);
        // the index first: a key whose record write is lost is unusable, never unlisted and unrevocable
        return execute("HSET", INDEX, key.id(), hash)
                .chain(() -> execute("SET", KEY + hash, encode(key)))
                .replaceWith(secret);
    }

    /**
     * The key {@code secret} names, with its tenant's settings, or null when there is none (never was, or revoked).
     * Fails only when Redis cannot answer and this replica did not confirm the key within the outage grace.
     */
    public Uni<Caller> find(String secret) {
        String hash = hasher().hash(secret);
        return lookup(KEY + hash, null)
                .invoke(caller -> {
                    if (caller == null) {
                        confirmed.remove(hash);
                    } else {
                        confirmed.put(hash, new Confirmed(caller, System.nanoTime()));
                    }
                })
                .onFailure().recoverWithUni(failure -> {
                    Confirmed last = confirmed.get(hash);
                    if (last == null || System.nanoTime() - last.atNanos() > graceNanos) {
                        return Uni.createFrom().failure(failure);
                    }
                    LOG.warnf("state Redis unavailable (%s): API key %s accepted as confirmed %d s ago", failure.toString(),
                            last.caller().key().id(), (System.nanoTime() - last.atNanos()) / 1_000_000_000L);
                    return Uni.createFrom().item(last.caller());
                });
    }

    /** The key {@code id}, with its tenant's settings, or null when there is none (never was, or revoked). */
    public Uni<Caller> findById(String id) {
        return lookup(INDEX, id);
    }

    /** Runs the lookup script on {@code key} (a record, or the index with {@code id}). */
    private Uni<Caller> lookup(String key, String id) {
        List<String> args = id == null ? List.of(KEY, TENANT) : List.of(KEY, TENANT, id);
        return timeouts.state(FIND.run(redis, List.of(key), args)).map(reply -> {
            if (reply == null) {
                return null;
            }
            ApiKey found = decode(reply.get(0).toString(), ApiKey.class);
            Response tenant = reply.get(1);
            return new Caller(found, tenant == null ? new TenantSettings(found.tenant(), null) : decode(tenant.toString(), TenantSettings.class));
        });
    }

    /** Every key, oldest first. */
    public Uni<List<ApiKey>> list() {
        return execute("HVALS", INDEX).chain(hashes -> {
            if (hashes == null || hashes.size() == 0) {
                return Uni.createFrom().item(List.<ApiKey>of());
            }
            List<String> keys = new ArrayList<>();
            hashes.forEach(hash -> keys.add(KEY + hash));
            return execute("MGET", keys.toArray(String[]::new)).map(records -> {
                List<ApiKey> found = new ArrayList<>();
                records.forEach(record -> {
                    if (record != null) {
                        found.add(decode(record.toString(), ApiKey.class));
                    }
                });
                found.sort(Comparator.comparing(ApiKey::createdAt).thenComparing(ApiKey::id));
                return found;
            });
        });
    }

    /** The key {@code id} changed by {@code change} (never its id, tenant or creation), or null when there is no such key. */
    public Uni<ApiKey> update(String id, UnaryOperator<ApiKey> change) {
        return execute("HGET", INDEX, id).chain(hash -> hash == null ? Uni.createFrom().nullItem()
                : execute("GET", KEY + hash).chain(stored -> {
                    if (stored == null) {
                        return Uni.createFrom().nullItem();
                    }
                    ApiKey old = decode(stored.toString(), ApiKey.class);
                    ApiKey changed = change.apply(old);
                    ApiKey kept = new ApiKey(old.id(), old.tenant(), changed.name(), changed.features(), changed.models(),
                            changed.requestsPerMinute(), changed.tokensPerMinute(), changed.maxConcurrent(), changed.monthlyBudgetUsd(),
                            old.createdAt());
                    // XX: a key revoked meanwhile stays revoked
                    return execute("SET", KEY + hash, encode(kept), "XX").map(done -> done == null ? null : kept);
                }));
    }

    /** Revokes key {@code id}: true when it existed. Every replica refuses it from its next request on. */
    public Uni<Boolean> delete(String id) {
        return execute("HGET", INDEX, id).chain(hash -> hash == null ? Uni.createFrom().item(false)
                : execute("DEL", KEY + hash).chain(() -> execute("HDEL", INDEX, id))
                        .invoke(() -> confirmed.remove(hash.toString())).replaceWith(true));
    }

    /** The settings of {@code tenant}; a tenant nobody configured has none of its own. */
    public Uni<TenantSettings> tenant(String tenant) {
        return execute("GET", TENANT + tenant).map(response -> response == null ? new TenantSettings(tenant, null)
                : decode(response.toString(), TenantSettings.class));
    }

    public Uni<TenantSettings> saveTenant(TenantSettings settings) {
        return execute("SET", TENANT + settings.tenant(), encode(settings)).replaceWith(settings);
    }

    private Uni<Response> execute(String command, String... args) {
        return timeouts.state(redis.execute(command, args));
    }

    private String encode(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T decode(String json, Class<T> type) {
        try {
            return mapper.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
