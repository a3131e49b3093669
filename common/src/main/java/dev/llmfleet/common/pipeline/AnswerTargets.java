package dev.llmfleet.common.pipeline;

import dev.llmfleet.common.cache.AnswerStore;
import dev.llmfleet.common.cache.CacheLease;
import dev.llmfleet.common.cache.StoredAnswer;
import io.smallrye.mutiny.Uni;

import java.time.Duration;

/**
 * Where a fresh answer is kept: the cache (when the request is cacheable) and the idempotency replay
 * (when the request is keyed); either key may be null. {@code lease} is given up once the cache holds the answer
 * (identical requests wait for it there), or at once when there is no answer to keep.
 */
record AnswerTargets(String cacheKey, Duration cacheTtl, String replayKey, CacheLease lease) {
    /** How long a finished answer is replayed for a repeated idempotency key. */
    static final Duration REPLAY_TTL = Duration.ofHours(24);

    /** The replay copy is awaited (a retry must find it); the cache copy, and the lease given up after it, are not. */
    Uni<Void> keep(AnswerStore answers, StoredAnswer answer) {
        Uni<Void> cached = cacheKey == null ? Uni.createFrom().voidItem() : answers.put(cacheKey, answer, cacheTtl);
        cached.onTermination().call(lease::release).subscribe().with(ignored -> { }, failure -> { });
        return replayKey == null ? Uni.createFrom().voidItem() : answers.put(replayKey, answer, REPLAY_TTL);
    }

    /** No answer to keep (the call failed, the stream broke off): the lease goes to a waiting identical request. */
    void abandon() {
        lease.release().subscribe().with(ignored -> { }, failure -> { });
    }
}
