package dev.llmfleet.common.provider;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * A provider call that did not produce an answer: an HTTP error status, a timeout or a broken connection.
 * It says whether trying again can help and how long the provider asked us to wait.
 */
public class ProviderException extends RuntimeException {
    /** Status used for failures without an HTTP answer (timeouts, refused or dropped connections). */
    public static final int NO_ANSWER = 0;
    /** The code of a call the fleet's own bulkhead refused before it left (no provider call was made). */
    public static final String OVERLOADED = "fleet_overloaded";

    private final int status;
    private final String code;
    private final Duration retryAfter;
    private final BigDecimal chargedUsd;
    private final BigDecimal balanceUsd;

    public ProviderException(int status, String code, String message, Duration retryAfter) {
        this(status, code, message, retryAfter, null, null);
    }

    /** A failed answer that still carried the provider's charge and balance headers. */
    public ProviderException(int status, String code, String message, Duration retryAfter, BigDecimal chargedUsd, BigDecimal balanceUsd) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
        this.chargedUsd = chargedUsd;
        this.balanceUsd = balanceUsd;
    }

    public static ProviderException noAnswer(String message) {
        return new ProviderException(NO_ANSWER, "provider_unreachable", message, null);
    }

    public static ProviderException overloaded() {
        return new ProviderException(503, OVERLOADED, "too many provider calls in flight; try again shortly", Duration.ofSeconds(1));
    }

    /** What the provider says this failed call cost (its charge header); null when it did not say. */
    public BigDecimal chargedUsd() {
        return chargedUsd;
    }

    /** The balance the provider reported with the failure (a 402 says how empty); null when it did not say. */
    public BigDecimal balanceUsd() {
        return balanceUsd;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The wait the provider asked for (429 or 503 with Retry-After), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** 429, 5xx and no answer at all are transient; any other 4xx (400, 401, 402...) never is. */
    public boolean retryable() {
        return status == NO_ANSWER || status == 429 || status >= 500;
    }

    /** The model cannot serve now (503 / model_unavailable): another model may. */
    public boolean modelUnavailable() {
        return status == 503 && "model_unavailable".equals(code);
    }
}
