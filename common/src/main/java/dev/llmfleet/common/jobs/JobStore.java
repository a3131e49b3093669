package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.redis.LuaScript;
import dev.llmfleet.common.redis.RedisTimeouts;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Retry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Jobs in the shared Redis. Every status change is one atomic compare-and-set (a Lua script), so a
 * cancel racing a start, or two workers racing over a redelivered job, always leave one winner. A run
 * holds the job under a lease (owner, run number, expiry on Redis's clock) that its worker renews; no
 * other worker starts it while the lease lives, and a run ends it only while it still holds it.
 * The result lives under its own key, written in the same step that says {@code succeeded}. Every command is bounded
 * by {@code fleet.redis.state-timeout}: a stalled Redis fails it with a timeout instead of holding its caller.
 */
@ApplicationScoped
public class JobStore {
    /** How long a job and its result can be read after its last change. */
    public static final Duration TTL = Duration.ofDays(7);
    private static final String PREFIX = "fleet:job:v1:";

    /** The final statuses a run ends a job with, each announced on {@code llm.results}. */
    public static final Set<JobStatus> FINAL = EnumSet.of(JobStatus.SUCCEEDED, JobStatus.DEAD_LETTERED);

    /** Sets the record unless the key exists; answers the existing record, or nil when it created one. */
    private static final LuaScript CREATE = LuaScript.load(JobStore.class, "job-create");

    /**
     * Applies a JSON patch when the current status is one of ARGV[1] (comma list); answers {1, new} when applied,
     * {0, current} when not, nil when the job does not exist.
     */
    private static final LuaScript TRANSITION = LuaScript.load(JobStore.class, "job-transition");

    /** Sets {@code now} to Redis's own clock in epoch milliseconds, so every worker judges a lease by the same clock. */
    private static final String REDIS_CLOCK = "redis-clock";

    /**
     * Starts a run: from a status of ARGV[1] (comma list), or from {@code running} when its lease (lease_until) has
     * expired or, with ARGV[5] = '1', when ARGV[2] already owns it (the caller knows it no longer runs it). Sets the
     * owner ARGV[2], a lease of ARGV[3] ms and run + 1; answers {1, new}, {0, current} when refused, nil when missing.
     */
    private static final LuaScript START = LuaScript.load(JobStore.class, REDIS_CLOCK, "job-start");

    /**
     * Ends run ARGV[2] of owner ARGV[1]: applies the JSON patch ARGV[3] and adds ARGV[4] to attempts only while the job
     * is still {@code running} under that owner and run; with a non-empty ARGV[6], stores it as the result (KEYS[2]) in
     * the same step, and with ARGV[7] = '1' marks the end as not yet announced (KEYS[3]). Answers like TRANSITION, and
     * {1, current} when that run already ended it with the patch's status (a repeat of an end whose answer was lost), so
     * an end can be retried.
     */
    private static final LuaScript FINISH = LuaScript.load(JobStore.class, "job-finish");

    /**
     * Sets the lease of each job KEYS[i] to ARGV[2] ms from now while it is {@code running} under owner ARGV[1] and
     * run ARGV[2 + i] (0 ms hands it back at once); answers how many it renewed.
     */
    private static final LuaScript RENEW = LuaScript.load(JobStore.class, REDIS_CLOCK, "job-renew");

    private final ReactiveRedisDataSource redis;
    private final RedisTimeouts timeouts;
    private final ObjectMapper mapper;

    public JobStore(ReactiveRedisDataSource redis, RedisTimeouts timeouts, ObjectMapper mapper) {
        this.redis = redis;
        this.timeouts = timeouts;
        this.mapper = mapper;
    }

    private Uni<Response> execute(String command, String... args) {
        return timeouts.state(redis.execute(command, args));
    }

    private Uni<Response> run(LuaScript script, List<String> keys, String... args) {
        return timeouts.state(script.run(redis, keys, List.of(args)));
    }

    /** The outcome of a compare-and-set: whether it applied, and the record as it now is (null: no such job). */
    public record Change(boolean applied, JobRecord record) {
    }

    /** Creates the job; answers null when created, else the job that already had this id. */
    public Uni<JobRecord> create(JobRecord record) {
        return run(CREATE, List.of(key(record.id())), encode(record), Long.toString(TTL.toMillis()))
                .map(response -> response == null ? null : decode(response.toString()));
    }

    public Uni<JobRecord> get(String id) {
        return execute("GET", key(id)).map(response -> response == null ? null : decode(response.toString()));
    }

    /**
     * Moves job {@code id} to the state in {@code patch} (snake_case field → value) if its status is one of
     * {@code from}.
     */
    public Uni<Change> transition(String id, Set<JobStatus> from, Map<String, Object> patch) {
        String allowed = from.stream().map(JobStatus::json).collect(Collectors.joining(","));
        return run(TRANSITION, List.of(key(id)), allowed, encodePatch(patch), Long.toString(TTL.toMillis()))
                .map(this::change);
    }

    private Change change(Response response) {
        return response == null ? new Change(false, null)
                : new Change(response.get(0).toInteger() == 1, decode(response.get(1).toString()));
    }

    /**
     * Starts a run of job {@code id} for {@code owner} with a lease of {@code lease}: from a runnable status, or from
     * {@code running} once the lease has expired (or at once when {@code reclaim} and {@code owner} holds it). When
     * applied, the record carries the new run number and the lease's expiry.
     */
    public Uni<Change> start(String id, String owner, Duration lease, boolean reclaim) {
        String allowed = runnable().stream().filter(status -> status != JobStatus.RUNNING).map(JobStatus::json)
                .collect(Collectors.joining(","));
        return run(START, List.of(key(id)), allowed, owner, Long.toString(lease.toMillis()),
                Long.toString(TTL.toMillis()), reclaim ? "1" : "0").map(this::change);
    }

    /**
     * Ends run {@code run} of {@code owner} with {@code patch}, adding {@code calls} to the job's attempts and, when
     * {@code result} is not null, storing it; applies only while that run still holds the job. A final status (succeeded,
     * dead-lettered) is marked unannounced until {@link #announced} says its result is on Kafka. A failed end is
     * retried (a timeout leaves unknown whether Redis applied it; a repeat of an applied end answers applied, changing
     * nothing), so a slow Redis never leaves a job ended in Redis but never reported.
     */
    @Retry(maxRetries = -1, maxDuration = 60_000, delay = 200, jitter = 100)
    @ExponentialBackoff(maxDelay = 5_000)
    public Uni<Change> finish(String id, String owner, int run, Map<String, Object> patch, int calls, JsonNode result) {
        boolean announce = FINAL.stream().anyMatch(status -> status.json().equals(patch.get("status")));
        return run(FINISH, List.of(key(id), resultKey(id), unannouncedKey(id)), owner, Integer.toString(run), encodePatch(patch),
                Integer.toString(calls), Long.toString(TTL.toMillis()), result == null ? "" : result.toString(), announce ? "1" : "0")
                .map(this::change);
    }

    /**
     * Whether job {@code id} ended (succeeded or dead-lettered) without its result reaching Kafka yet: its worker died,
     * or its Redis answered too late, between the end and the publication. Its next delivery announces it.
     */
    public Uni<Boolean> unannounced(String id) {
        return execute("EXISTS", unannouncedKey(id)).map(response -> response.toInteger() == 1);
    }

    /** Job {@code id}'s result is on Kafka. */
    public Uni<Void> announced(String id) {
        return execute("DEL", unannouncedKey(id)).replaceWithVoid();
    }

    /** Extends the leases of {@code runs} (job id → run number) held by {@code owner} to {@code lease} from now; answers how many. */
    public Uni<Integer> renew(String owner, Duration lease, Map<String, Integer> runs) {
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of(owner, Long.toString(lease.toMillis())));
        runs.forEach((id, run) -> {
            keys.add(key(id));
            args.add(Integer.toString(run));
        });
        return run(RENEW, keys, args.toArray(String[]::new)).map(Response::toInteger);
    }

    public Uni<JsonNode> getResult(String id) {
        return execute("GET", resultKey(id)).map(response -> {
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
        // pending: Kafka delivered it before intake saw the acknowledgement (or intake died in between)
        return EnumSet.of(JobStatus.PENDING, JobStatus.QUEUED, JobStatus.RUNNING);
    }

    // Pending jobs: stored, their Kafka send not yet acknowledged. Each one's Kafka message waits under
    // <job key>:request and its id in one sorted set scored by when it became pending, so intake can re-publish
    // the ones left behind (a crash between the write and the send, a Kafka outage) with one range query.

    private static final String PENDING_INDEX = "fleet:jobs:v1:pending";

    /** CREATE, keeping the Kafka message and indexing the job in the same step. */
    private static final LuaScript CREATE_PENDING = LuaScript.load(JobStore.class, "job-create-pending");

    /** Keeps the Kafka message and (re)indexes the job, scored ARGV[3]. */
    private static final LuaScript HOLD = LuaScript.load(JobStore.class, "job-hold-pending");

    /**
     * Kafka has the job: pending → queued when still pending (a worker may have started it already). Either way the
     * job leaves the index and its kept message goes. Answers like TRANSITION.
     */
    private static final LuaScript QUEUE = LuaScript.load(JobStore.class, "job-queue");

    /**
     * Claims a stale pending job for re-publishing: only while its score is still at most ARGV[2] (the cutoff), so of
     * several intake replicas sweeping at once one wins; the claim moves its score to ARGV[3] (now), which also paces
     * the next try if this one fails. A job no longer pending (or whose message is gone) just leaves the index.
     * Answers the kept message, or nil.
     */
    private static final LuaScript CLAIM = LuaScript.load(JobStore.class, "job-claim-pending");

    /**
     * Creates the job as {@code pending} with its Kafka message kept aside and indexed at its creation time;
     * answers null when created, else the job that already had this id (nothing is changed then).
     */
    public Uni<JobRecord> createPending(JobRecord record, JobRequested message) {
        return run(CREATE_PENDING, List.of(key(record.id()), requestKey(record.id()), PENDING_INDEX),
                        encode(record), encode(message), Long.toString(TTL.toMillis()),
                        Long.toString(record.createdAt().toEpochMilli()), record.id())
                .map(response -> response == null ? null : decode(response.toString()));
    }

    /**
     * Keeps {@code message} as the job's Kafka message and indexes it as pending since {@code at}: done before a
     * finished job is moved back to {@code pending}, so a crash after the move still leaves it to the sweeper (an
     * entry whose job did not become pending is dropped by the next claim).
     */
    public Uni<Void> holdPending(JobRequested message, Instant at) {
        return run(HOLD, List.of(requestKey(message.jobId()), PENDING_INDEX),
                encode(message), Long.toString(TTL.toMillis()), Long.toString(at.toEpochMilli()), message.jobId()).replaceWithVoid();
    }

    /** The kept Kafka message of a pending job, or null. */
    public Uni<JobRequested> pendingMessage(String id) {
        return execute("GET", requestKey(id)).map(response -> response == null ? null : decodeMessage(response.toString()));
    }

    /** Kafka acknowledged job {@code id}: pending → queued if it is still pending; the job leaves the pending index. */
    public Uni<Change> markQueued(String id) {
        return run(QUEUE, List.of(key(id), PENDING_INDEX, requestKey(id)), id, Long.toString(TTL.toMillis()))
                .map(response -> response == null ? new Change(false, null)
                        : new Change(response.get(0).toInteger() == 1, decode(response.get(1).toString())));
    }

    /** Up to {@code limit} ids of jobs indexed as pending since {@code cutoff} or before, oldest first. */
    public Uni<List<String>> pendingSince(Instant cutoff, int limit) {
        return execute("ZRANGEBYSCORE", PENDING_INDEX, "-inf", Long.toString(cutoff.toEpochMilli()), "LIMIT", "0",
                        Integer.toString(limit))
                .map(response -> {
                    List<String> ids = new ArrayList<>(response.size());
                    response.forEach(id -> ids.add(id.toString()));
                    return ids;
                });
    }

    /**
     * Claims job {@code id} for re-publishing if it is still pending and indexed at {@code cutoff} or before (no
     * other sweep claimed it since); answers its Kafka message, or null when there is nothing to re-publish.
     */
    public Uni<JobRequested> claimPending(String id, Instant cutoff, Instant now) {
        return run(CLAIM, List.of(key(id), PENDING_INDEX, requestKey(id)), id,
                        Long.toString(cutoff.toEpochMilli()), Long.toString(now.toEpochMilli()))
                .map(response -> response == null ? null : decodeMessage(response.toString()));
    }

    private static String requestKey(String id) {
        return key(id) + ":request";
    }

    private JobRequested decodeMessage(String json) {
        try {
            return mapper.readValue(json, JobRequested.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable pending job message", e);
        }
    }

    private static String key(String id) {
        return PREFIX + id;
    }

    private static String resultKey(String id) {
        return key(id) + ":result";
    }

    private static String unannouncedKey(String id) {
        return key(id) + ":unannounced";
    }

    private String encode(Object recordOrMessage) {
        try {
            return mapper.writeValueAsString(recordOrMessage);
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
