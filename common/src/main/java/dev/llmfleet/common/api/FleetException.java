package dev.llmfleet.common.api;

/**
 * A failure with an HTTP status and an OpenAI-style error ({@code {"error":{"message","type","code"}}}).
 * Thrown for the caller's mistakes (4xx) and for provider failures the fleet could not absorb (5xx).
 */
public class FleetException extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final Long retryAfterSeconds;

    public FleetException(int status, String type, String code, String message) {
        this(status, type, code, message, null);
    }

    public FleetException(int status, String type, String code, String message, Long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400 invalid_request_error: the request itself is wrong. */
    public static FleetException invalid(String code, String message) {
        return new FleetException(400, "invalid_request_error", code, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    /** Seconds the caller should wait before trying again (sent as Retry-After), or null. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** True for errors the caller caused: no retry can help, nothing was charged. */
    public boolean clientError() {
        return status >= 400 && status < 500;
    }
}
