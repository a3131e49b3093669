package dev.llmfleet.common.provider;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * Why the provider gave no answer, as a domain failure: each kind says what may help. Both lanes decide on the kind
 * (retry, fall back, pause, fail), never on an HTTP status; only the REST edge maps a kind to an HTTP answer
 * ({@code dev.llmfleet.common.api.ProviderErrors}). The provider's status is kept for metering only.
 * <ul>
 * <li>{@link Depleted}: the prepaid balance is spent (402) — a top-up helps, another call does not;</li>
 * <li>{@link Throttled}: rate limited (429) — wait its retry-after;</li>
 * <li>{@link Transient}: 5xx, a timeout or a broken connection — another call or another model may answer;</li>
 * <li>{@link Rejected}: the provider refused the request itself (any other 4xx) — final, never retried;</li>
 * <li>{@link KeyRefused}: the provider refused the fleet's key (401/403) — final, and the async lane pauses;</li>
 * <li>{@link Overloaded}: the fleet did not make the call (its bulkhead, retry budget or a model's open breaker);</li>
 * <li>{@link DeadlineExceeded}: an interactive request's overall deadline passed.</li>
 * </ul>
 */
public abstract sealed class ProviderException extends RuntimeException {
    /** The provider's HTTP status; null for failures without an HTTP answer (timeouts, refused or dropped connections, calls not made). */
    private final Integer status;
    private final String code;
    private final Duration retryAfter;
    private final BigDecimal chargedUsd;
    private final BigDecimal balanceUsd;

    private ProviderException(Integer status, String code, String message, Duration retryAfter, BigDecimal chargedUsd, BigDecimal balanceUsd) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
        this.chargedUsd = chargedUsd;
        this.balanceUsd = balanceUsd;
    }

    /** The failure a provider's non-200 answer means, with the charge and balance headers it carried (either may be null). */
    public static ProviderException fromAnswer(int status, String code, String message, Duration retryAfter, BigDecimal chargedUsd,
                                               BigDecimal balanceUsd) {
        if (status == 402) {
            return new Depleted(code, message, chargedUsd, balanceUsd);
        }
        if (status == 429) {
            return new Throttled(code, message, retryAfter, chargedUsd, balanceUsd);
        }
        if (status == 401 || status == 403) {
            return new KeyRefused(status, code, message);
        }
        if (status >= 400 && status < 500) {
            return new Rejected(status, code, message, chargedUsd, balanceUsd);
        }
        return new Transient(status, code, message, retryAfter, chargedUsd, balanceUsd);
    }

    /** No answer at all: a timeout, a refused or dropped connection. */
    public static Transient noAnswer(String message) {
        return new Transient(null, "provider_unreachable", message, null, null, null);
    }

    /** What the provider says this failed call cost (its charge header); null when it did not say. */
    public BigDecimal chargedUsd() {
        return chargedUsd;
    }

    /** The balance the provider reported with the failure (a 402 says how empty); null when it did not say. */
    public BigDecimal balanceUsd() {
        return balanceUsd;
    }

    /** The provider's HTTP status, empty when it gave no HTTP answer (a timeout, a dropped connection, a call not made). */
    public OptionalInt httpStatus() {
        return status == null ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /** The provider's error code (or the fleet's, for failures it made itself). */
    public String code() {
        return code;
    }

    /** How long to wait before trying again (the provider's Retry-After, or the fleet's own estimate), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whether the call reached the provider (or left for it): false for calls the fleet did not make. */
    public boolean callMade() {
        return true;
    }

    /** Retry-After in whole seconds, at least 1: what a caller is told when it should come back. */
    public long retryAfterSeconds() {
        return retryAfter == null ? 1L : Math.max(1L, (retryAfter.toMillis() + 999) / 1000);
    }

    /** 402: the prepaid balance is spent. */
    public static final class Depleted extends ProviderException {
        Depleted(String code, String message, BigDecimal chargedUsd, BigDecimal balanceUsd) {
            super(402, code, message, null, chargedUsd, balanceUsd);
        }
    }

    /** 429: the provider rate limits the fleet; {@link #retryAfter()} is its Retry-After. */
    public static final class Throttled extends ProviderException {
        Throttled(String code, String message, Duration retryAfter, BigDecimal chargedUsd, BigDecimal balanceUsd) {
            super(429, code, message, retryAfter, chargedUsd, balanceUsd);
        }
    }

    /** A 5xx, a timeout or a broken connection: another call may answer. */
    public static final class Transient extends ProviderException {
        Transient(Integer status, String code, String message, Duration retryAfter, BigDecimal chargedUsd, BigDecimal balanceUsd) {
            super(status, code, message, retryAfter, chargedUsd, balanceUsd);
        }

        /** The model cannot serve now (503 {@code model_unavailable}): another model may, this one not soon. */
        public boolean modelUnavailable() {
            return httpStatus().equals(OptionalInt.of(503)) && "model_unavailable".equals(code());
        }
    }

    /** The provider refused the request itself (a 4xx other than 401, 402, 403 and 429): no retry can help. */
    public static final class Rejected extends ProviderException {
        Rejected(int status, String code, String message, BigDecimal chargedUsd, BigDecimal balanceUsd) {
            super(status, code, message, null, chargedUsd, balanceUsd);
        }
    }

    /** 401/403: the provider refused the fleet's own key; nothing works until an operator fixes it. */
    public static final class KeyRefused extends ProviderException {
        KeyRefused(int status, String code, String message) {
            super(status, code, message, null, null, null);
        }
    }

    /** The fleet did not make the call: its bulkhead was full, the retry budget spent, or every model's breaker open. */
    public static final class Overloaded extends ProviderException {
        public static final String BULKHEAD = "fleet_overloaded";
        public static final String BREAKER_OPEN = "model_unavailable";

        public Overloaded(String code, String message, Duration retryAfter) {
            super(null, code, message, retryAfter, null, null);
        }

        @Override
        public boolean callMade() {
            return false;
        }
    }

    /** The interactive request's overall deadline passed before any model answered. */
    public static final class DeadlineExceeded extends ProviderException {
        public DeadlineExceeded(Duration deadline, Duration retryAfter) {
            super(null, "deadline_exceeded", "no model answered within the request's deadline of " + deadline.toSeconds() + " s",
                    retryAfter, null, null);
        }
    }
}
