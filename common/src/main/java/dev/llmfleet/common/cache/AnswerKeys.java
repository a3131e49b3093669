package dev.llmfleet.common.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.api.ChatRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Redis keys of stored answers: versioned, so a change of what goes into a key never reads old entries. */
public final class AnswerKeys {
    private static final String CACHE = "fleet:cache:v1:";
    private static final String IDEMPOTENCY = "fleet:idem:v1:";
    private static final String LEASE = "fleet:cache-lease:v1:";

    private AnswerKeys() {
    }

    /**
     * The cache key of a normalised request: the model, every message, {@code max_tokens} and every
     * sampling parameter, which are all that change the answer. Near-duplicates normalise to one key.
     */
    public static String cache(ChatRequest request) {
        StringBuilder canonical = new StringBuilder(request.model()).append('\u0000').append(request.maxTokens());
        for (ChatMessage message : request.messages()) {
            canonical.append('\u0000').append(message.role()).append('\u0001').append(message.content());
        }
        Map<String, JsonNode> sorted = new TreeMap<>(request.sampling());
        sorted.forEach((name, value) -> canonical.append('\u0000').append(name).append('=').append(value));
        return CACHE + sha256(canonical.toString());
    }

    /** The lease of a cache key: held by the one request calling the provider for it while identical ones wait. */
    public static String lease(String cacheKey) {
        return LEASE + cacheKey.substring(CACHE.length());
    }

    /** The replay key of a client's idempotency key, scoped by tenant so tenants never see each other's answers. */
    public static String idempotency(String tenant, String key) {
        return IDEMPOTENCY + sha256(tenant + '\u0000' + key);
    }

    /** True for a replay key: replays belong on the state Redis (never evicted), cached answers on the cache Redis. */
    public static boolean isReplay(String key) {
        return key.startsWith(IDEMPOTENCY);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
