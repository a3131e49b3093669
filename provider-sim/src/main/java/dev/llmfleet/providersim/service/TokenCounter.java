package dev.llmfleet.providersim.service;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Honest token counts with the o200k_base encoding (GPT-4o family). The encoding is loaded once at
 * start-up; counts of short texts are memoised because benchmarks and retries repeat the same
 * prompts (system prompts above all) over and over.
 */
@Startup
@ApplicationScoped
public class TokenCounter {

    private static final int MAX_CACHED_LENGTH = 4096;
    private static final int MAX_CACHED_ENTRIES = 20_000;

    private final Encoding encoding = O200kBase.ENCODING;
    private final ConcurrentHashMap<String, Integer> cache = new ConcurrentHashMap<>();

    /**
     * The ranks, loaded once per JVM (≈ 28 MiB of heap). Not an instance field's initialiser: the constructor of an
     * {@code @ApplicationScoped} bean also runs for its client proxy, which then held a second copy.
     */
    private static final class O200kBase {
        static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    /** Tokens of {@code text}; special-token markup in user input counts as ordinary text, as the API does. */
    public int count(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        if (text.length() > MAX_CACHED_LENGTH) {
            return encoding.countTokensOrdinary(text);
        }
        Integer cached = cache.get(text);
        if (cached != null) {
            return cached;
        }
        int counted = encoding.countTokensOrdinary(text);
        if (cache.size() >= MAX_CACHED_ENTRIES) {
            // Crude but bounded: the working set of a benchmark refills it within a few requests.
            cache.clear();
        }
        cache.put(text, counted);
        return counted;
    }
}
