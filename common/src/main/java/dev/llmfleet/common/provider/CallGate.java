package dev.llmfleet.common.provider;

import io.smallrye.mutiny.Uni;

import java.util.function.Supplier;

/**
 * Wraps every single provider call (each attempt, each fallback model) and nothing else. The async lane's
 * concurrency limiter is one: a job holds a slot only while its call is at the provider, not while it reads
 * Redis, is tokenised or waits out a backoff, so the slots measure what the provider sees.
 */
@FunctionalInterface
public interface CallGate {
    /** No limit of its own (the interactive lane: the bulkhead in {@link ProviderClient} bounds it). */
    CallGate OPEN = Supplier::get;

    Uni<ProviderReply> around(Supplier<Uni<ProviderReply>> call);
}
