package dev.llmfleet.providersim.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Start-up settings of the Model Database simulator. Every key that is also a runtime setting
 * ({@code POST /admin/config}) has the same name there, in snake_case.
 */
@ConfigMapping(prefix = "sim")
public interface SimConfig {

    /** Prepaid credit in USD at start (and after {@code POST /admin/reset} without a balance). */
    @WithDefault("100")
    BigDecimal balanceUsd();

    /** Accepted API keys; when unset any non-empty bearer key is accepted. */
    Optional<List<String>> apiKeys();

    /** Request header carrying the per-request cost cap in USD. */
    @WithDefault("X-MDB-Max-Cost-USD")
    String costCapHeader();

    /** Request header carrying the client's idempotency key. */
    @WithDefault("Idempotency-Key")
    String idempotencyHeader();

    /** Response header set to {@code true} on an answer replayed for a repeated idempotency key (already charged once). */
    @WithDefault("X-MDB-Idempotent-Replay")
    String idempotencyReplayHeader();

    /** {@code honour}: a repeated idempotency key replays the first answer at no charge; {@code ignore}: every call is new. */
    @WithDefault("honour")
    IdempotencyMode idempotencyMode();

    /** How long an idempotency key is remembered. */
    @WithDefault("24h")
    Duration idempotencyWindow();

    /** Most idempotency keys remembered at once (oldest forgotten first), to bound memory. */
    @WithDefault("100000")
    int idempotencyMaxEntries();

    /** How a streamed call reports its charge: {@code header} (up front), {@code trailer} (HTTP trailers) or {@code event} (final SSE event). */
    @WithDefault("header")
    StreamChargeMode streamChargeMode();

    /** Fixed latency added to every completion, in milliseconds. */
    @WithDefault("0")
    long latencyBaseMs();

    /** Latency per generated output token, in milliseconds (streams spread tokens over this time). */
    @WithDefault("0")
    long latencyPerTokenMs();

    /** Share (0..1) of completion calls answered with HTTP 429 {@code rate_limit_exceeded} (random throttling). */
    @WithName("error-429-rate")
    @WithDefault("0")
    double error429Rate();

    /** The {@code Retry-After} (whole seconds, >= 1) of an injected 429: a provider under a storm may ask for long waits. */
    @WithName("error-429-retry-after-s")
    @WithDefault("1")
    long error429RetryAfterS();

    /** Share (0..1) of completion calls answered with HTTP 500. */
    @WithName("error-500-rate")
    @WithDefault("0")
    double error500Rate();

    /** Share (0..1) of completion calls answered with HTTP 502. */
    @WithName("error-502-rate")
    @WithDefault("0")
    double error502Rate();

    /** Share (0..1) of completion calls answered with HTTP 503. */
    @WithName("error-503-rate")
    @WithDefault("0")
    double error503Rate();

    /** Share (0..1) of completion calls that stall before answering. */
    @WithDefault("0")
    double stallRate();

    /** Extra delay of a stalled call, in milliseconds. */
    @WithDefault("10000")
    long stallMs();

    /**
     * Delay of a top-up's answer, in milliseconds. The credit is applied at once; only the answer is late, so a client that
     * times out first does not know whether its top-up happened (the case a retry with the same idempotency key settles).
     */
    @WithDefault("0")
    long topupDelayMs();

    /** Share (0..1) of streamed calls whose connection is dropped mid-stream (charged in full). */
    @WithDefault("0")
    double dropStreamRate();

    /** Models that answer 503 {@code model_unavailable}. */
    Optional<Set<String>> unavailableModels();

    /**
     * A phrase the simulator's content policy refuses: a request whose messages contain it answers 400
     * {@code content_policy_violation} (uncharged), the way a real provider rejects a request it will never serve.
     */
    Optional<String> rejectedContent();

    /** Every API key is refused with 401, as after the account's keys were revoked (a runtime fault for tests). */
    @WithDefault("false")
    boolean keysRevoked();

    /** Most in-flight requests per API key; 0 means unlimited. */
    @WithDefault("0")
    int maxConcurrentRequests();

    /** Most requests per API key per fixed one-minute window; 0 means unlimited. */
    @WithDefault("0")
    int requestsPerMinute();

    /** The price book: model id ({@code vendor/model}) to prices and context window. */
    Map<String, ModelConfig> models();

    /** Price and size of one model. */
    interface ModelConfig {

        /** USD per million prompt tokens. */
        BigDecimal inputUsdPerMillion();

        /** USD per million completion tokens. */
        BigDecimal outputUsdPerMillion();

        /** Most tokens (prompt + completion) the model accepts. */
        @WithDefault("128000")
        int contextWindow();
    }
}
