package dev.llmfleet.common.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Finished answers in the shared Redis: the answer cache and the idempotency replays. Redis trouble
 * degrades to a miss (the request still gets an answer, it only costs money), never to an error.
 */
@ApplicationScoped
public class AnswerStore {
    private static final Logger LOG = Logger.getLogger(AnswerStore.class);

    private final ReactiveValueCommands<String, String> values;
    private final ObjectMapper mapper;

    public AnswerStore(ReactiveRedisDataSource redis, ObjectMapper mapper) {
        this.values = redis.value(String.class, String.class);
        this.mapper = mapper;
    }

    /** The stored answer, or null when there is none (or Redis could not tell). */
    public Uni<StoredAnswer> get(String key) {
        return values.get(key)
                .map(this::decode)
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("answer store read failed (%s); treating as a miss", e.toString());
                    return null;
                });
    }

    /** Stores {@code answer} for {@code ttl}; failures are logged, not raised. */
    public Uni<Void> put(String key, StoredAnswer answer, Duration ttl) {
        String json;
        try {
            json = mapper.writeValueAsString(answer);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return values.set(key, json, new SetArgs().px(ttl))
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("answer store write failed (%s)", e.toString());
                    return null;
                });
    }

    private StoredAnswer decode(String json) {
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
}
