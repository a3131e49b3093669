package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Jobs in the shared Redis. Every status change is one atomic compare-and-set (a Lua script), so a
 * cancel racing a start, or two workers racing over a redelivered job, always leave one winner.
 * The result lives under its own key, written before the status says {@code succeeded}.
 */
@ApplicationScoped
public class JobStore {
    /** How long a job and its result can be read after its last change. */
    public static final Duration TTL = Duration.ofDays(7);
    private static final String PREFIX = "fleet:job:v1:";

    /** Sets the record unless the key exists; answers the existing record, or nil when it created one. */
    private static final String CREATE = """
            local existing = redis.call('GET', KEYS[1])
            if existing then return existing end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return false
            """;

    /**
     * Applies a JSON patch when the current status is one of ARGV[1] (comma list), optionally adding 1 to
     * attempts; answers {1, new} when applied, {0, current} when not, nil when the job does not exist.
     */
    private static final String TRANSITION = """
            local current = redis.call('GET', KEYS[1])
            if not current then return false end
            local job = cjson.decode(current)
            if not string.find(',' .. ARGV[1] .. ',', ',' .. job.status .. ',', 1, true) then return {0, current} end
            for k, v in pairs(cjson.decode(ARGV[2])) do job[k] = v end
            if ARGV[3] == '1' then job.attempts = (job.attempts or 0) + 1 end
            local updated = cjson.encode(job)
            redis.call('SET', KEYS[1], updated, 'PX', ARGV[4])
            return {1, updated}
            """;

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;

    public JobStore(ReactiveRedisDataSource redis, ObjectMapper mapper) {
        this.redis = redis;
        this.mapper = mapper;
    }

    /** The outcome of a compare-and-set: whether it applied, and the record as it now is (null: no such job). */
    public record Change(boolean applied, JobRecord record) {
    }

    /** Creates the job; answers null when created, else the job that already had this id. */
    public Uni<JobRecord> create(JobRecord record) {
        return redis.execute("EVAL", CREATE, "1", key(record.id()), encode(record), Long.toString(TTL.toMillis()))
                .map(response -> response == null ? null : decode(response.toString()));
    }

    public Uni<JobRecord> get(String id) {
        return redis.execute("GET", key(id)).map(response -> response == null ? null : decode(response.toString()));
    }

    /**
     * Moves job {@code id} to the state in {@code patch} (snake_case field → value) if its status is one of
     * {@code from}; {@code countAttempt} adds one to its attempts in the same step.
     */
    public Uni<Change> transition(String id, Set<JobStatus> from, Map<String, Object> patch, boolean countAttempt) {
        String allowed = from.stream().map(JobStatus::json).collect(Collectors.joining(","));
        return redis.execute("EVAL", TRANSITION, "1", key(id), allowed, encodePatch(patch), countAttempt ? "1" : "0",
                        Long.toString(TTL.toMillis()))
                .map(response -> response == null ? new Change(false, null)
                        : new Change(response.get(0).toInteger() == 1, decode(response.get(1).toString())));
    }

    /** Keeps a finished job's answer (the OpenAI completion). */
    public Uni<Void> putResult(String id, JsonNode result) {
        return redis.execute("SET", key(id) + ":result", result.toString(), "PX", Long.toString(TTL.toMillis())).replaceWithVoid();
    }

    public Uni<JsonNode> getResult(String id) {
        return redis.execute("GET", key(id) + ":result").map(response -> {
            if (response == null) {
                return null;
            }
            try {
                return mapper.readTree(response.toString());
            } catch (JsonProcessingException e) {
                return null;
            }
        });
    }

    /** Statuses from which a job may still start running (a crashed worker leaves it {@code running}). */
    public static Set<JobStatus> runnable() {
        return EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING);
    }

    private static String key(String id) {
        return PREFIX + id;
    }

    private String encode(JobRecord record) {
        try {
            return mapper.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("job record cannot be encoded", e);
        }
    }

    private String encodePatch(Map<String, Object> patch) {
        try {
            return mapper.writeValueAsString(patch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("job patch cannot be encoded", e);
        }
    }

    private JobRecord decode(String json) {
        try {
            return mapper.readValue(json, JobRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable job record", e);
        }
    }
}
