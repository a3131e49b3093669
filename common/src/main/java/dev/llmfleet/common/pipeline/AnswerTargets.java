package dev.llmfleet.common.pipeline;

import dev.llmfleet.common.cache.AnswerStore;
import dev.llmfleet.common.cache.StoredAnswer;
import io.smallrye.mutiny.Uni;

import java.time.Duration;

/**
 * Where a fresh answer is kept: the cache (when the request is cacheable) and the idempotency replay
 * (when the request is keyed). Either key may be null.
 */
record AnswerTargets(String cacheKey, Duration cacheTtl, String replayKey) {
    /** How long a finished answer is replayed for a repeated idempotency key. */
    static final Duration REPLAY_TTL = Duration.ofHours(24);

    /** The replay copy is awaited (a retry must find it); the cache copy is not. */
    Uni<Void> keep(AnswerStore answers, StoredAnswer answer) {
        if (cacheKey != null) {
            answers.put(cacheKey, answer, cacheTtl).subscribe().with(ignored -> { }, failure -> { });
        }
        return replayKey == null ? Uni.createFrom().voidItem() : answers.put(replayKey, answer, REPLAY_TTL);
    }
}
