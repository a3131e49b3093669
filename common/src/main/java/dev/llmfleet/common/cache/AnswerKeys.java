package dev.llmfleet.common.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.validation.RequestParameters;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;

/** Redis keys of stored answers: versioned, so a change of what goes into a key never reads old entries. */
public final class AnswerKeys {
    private static final String CACHE = "fleet:cache:v2:";
    private static final String IDEMPOTENCY = "fleet:idem:v2:";
    /** The cache namespace of answers shared by every tenant ({@code fleet.cache.shared-across-tenants}). */
    public static final String SHARED = "*";
    private static final String LEASE = "fleet:cache-lease:v1:";

    private AnswerKeys() {
    }

    /**
     * The cache key of a normalised request: the model, every message, {@code max_tokens} and every sampling parameter
     * that changes the answer ({@link RequestParameters#answerChanging}), in a namespace: the tenant's own, so no tenant
     * reads another's answers, or {@link #SHARED}. Each value is written canonically (object keys sorted, a number by its
     * value: {@code 1}, {@code 1.0} and {@code 1e0} alike), so near-duplicates, and one request spelled two ways, share one key.
     */
    public static String cache(String namespace, ChatRequest request) {
        StringBuilder canonical = new StringBuilder(namespace).append('\u0000').append(request.model()).append('\u0000').append(request.maxTokens());
        for (ChatMessage message : request.messages()) {
            canonical.append('\u0000').append(message.role()).append('\u0001').append(message.content());
        }
        RequestParameters.answerChanging(request.sampling()).forEach((name, value) -> {
            canonical.append('\u0000').append(name).append('=');
            canonical(value, canonical);
        });
        return CACHE + sha256(canonical.toString());
    }

    private static void canonical(JsonNode value, StringBuilder out) {
        if (value.isObject()) {
            out.append('{');
            Set<String> names = new TreeSet<>();
            value.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                out.append(TextNode.valueOf(name)).append(':');
                canonical(value.get(name), out);
                out.append(',');
            }
            out.append('}');
        } else if (value.isArray()) {
            out.append('[');
            value.forEach(element -> {
                canonical(element, out);
                out.append(',');
            });
            out.append(']');
        } else if (value.isNumber() && (value.isIntegralNumber() || Double.isFinite(value.asDouble()))) {
            BigDecimal number = value.decimalValue().stripTrailingZeros();
            out.append(number.scale() <= 0 ? number.toBigInteger().toString() : number.toString());
        } else {
            out.append(value);
        }
    }

    /** The lease of a cache key: held by the one request calling the provider for it while identical ones wait. */
    public static String lease(String cacheKey) {
        return LEASE + cacheKey.substring(CACHE.length());
    }

    /**
     * The replay key of an idempotency key (the client's, or a job's id), scoped by tenant so tenants never see each
     * other's answers, and by lane, so an interactive call naming a job's id never reads or plants that job's answer.
     */
    public static String idempotency(String tenant, Lane lane, String key) {
        return IDEMPOTENCY + sha256(tenant + '\u0000' + lane.json() + '\u0000' + key);
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
