package dev.llmfleet.common.provider;

import io.smallrye.mutiny.Multi;
import io.vertx.core.MultiMap;
import io.vertx.mutiny.core.buffer.Buffer;

import java.math.BigDecimal;
import java.util.function.Supplier;

/**
 * A successful provider answer: its headers and either the whole body (JSON) or the body as it
 * streams (SSE). {@code trailers} is read after the stream ended. {@code replayed}: the provider says
 * this answer replays an earlier call with the same idempotency key (charged then, not now).
 */
public record ProviderReply(String model, MultiMap headers, Buffer body, Multi<Buffer> stream, Supplier<MultiMap> trailers,
                            boolean replayed) {
    public static final String CHARGED_HEADER = "X-MDB-Charged-USD";
    public static final String BALANCE_HEADER = "X-MDB-Balance-USD";

    /** The charge in the headers, or null when the provider did not send one up front. */
    public BigDecimal chargedHeader() {
        return decimal(headers.get(CHARGED_HEADER));
    }

    public BigDecimal balanceHeader() {
        return decimal(headers.get(BALANCE_HEADER));
    }

    public static BigDecimal decimal(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return new BigDecimal(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
