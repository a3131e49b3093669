package dev.llmfleet.common.api;

/**
 * A failure with an HTTP status and an OpenAI-style error ({@code {"error":{"message","type","code","param"}}}).
 * Thrown for the caller's mistakes (4xx) and for provider failures the fleet could not absorb (5xx).
 */
public class FleetException extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final Long retryAfterSeconds;
    private final String param;

    public FleetException(int status, String type, String code, String message) {
        this(status, type, code, message, null);
    }

    public FleetException(int status, String type, String code, String message, Long retryAfterSeconds) {
        this(status, type, code, message, retryAfterSeconds, null);
    }

    private FleetException(int status, String type, String code, String message, Long retryAfterSeconds, String param) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
        this.param = param;
    }

    /** OpenAI's error type for a request the caller must change. */
    public static final String INVALID_REQUEST = "invalid_request_error";
    /** OpenAI's error type for a failure on the serving side. */
    public static final String API_ERROR = "api_error";

    /** 400 invalid_request_error: the request itself is wrong. */
    public static FleetException invalid(String code, String message) {
        return rejected(400, code, message);
    }

    /** An invalid_request_error with another 4xx status: the caller must change the request. */
    public static FleetException rejected(int status, String code, String message) {
        return new FleetException(status, INVALID_REQUEST, code, message);
    }

    /** An api_error: the fleet or the provider failed, not the caller. */
    public static FleetException serverError(int status, String code, String message) {
        return serverError(status, code, message, null);
    }

    /** An api_error the caller may retry after {@code retryAfterSeconds} (sent as Retry-After; null: no hint). */
    public static FleetException serverError(int status, String code, String message, Long retryAfterSeconds) {
        return new FleetException(status, API_ERROR, code, message, retryAfterSeconds);
    }

    /** 400 invalid_request_error naming the field (or header) that is wrong as the error's {@code param}. */
    public static FleetException invalidParameter(String param, String code, String message) {
        return rejectedParameter(400, param, code, message);
    }

    /** An invalid_request_error with another 4xx status, naming the field that is wrong. */
    public static FleetException rejectedParameter(int status, String param, String code, String message) {
        return new FleetException(status, INVALID_REQUEST, code, message, null, param);
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

    /** The request field or header the error is about (OpenAI's {@code param}), or null. */
    public String param() {
        return param;
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
