package dev.llmfleet.providersim.service;

/**
 * An answer other than success, rendered as an OpenAI-style error body
 * {@code {"error":{"message","type","code","param"}}} with its HTTP status. No stack trace: these are
 * expected outcomes on the hot path, not bugs.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final long retryAfterSeconds;

    public ApiException(int status, String type, String code, String param, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ApiException(int status, String type, String code, String message) {
        this(status, type, code, null, message, 0);
    }

    public static ApiException invalidRequest(String code, String message) {
        return invalidRequest(code, null, message);
    }

    /** A 400 about one request field ({@code param}, may be null). */
    public static ApiException invalidRequest(String code, String param, String message) {
        return new ApiException(400, "invalid_request_error", code, param, message, 0);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", "invalid_api_key", message);
    }

    public static ApiException insufficientBalance() {
        return new ApiException(402, "insufficient_balance", "insufficient_quota",
                "Your prepaid credit is exhausted. Top up your balance to continue.");
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(404, "invalid_request_error", "model_not_found",
                "The model '" + model + "' does not exist or you do not have access to it.");
    }

    public static ApiException rateLimited(String message, long retryAfterSeconds) {
        return new ApiException(429, "rate_limit_error", "rate_limit_exceeded", null, message, Math.max(1, retryAfterSeconds));
    }

    public static ApiException serverError(int status) {
        return switch (status) {
            case 502 -> new ApiException(502, "server_error", "bad_gateway", "Bad gateway. Please retry.");
            case 503 -> new ApiException(503, "server_error", "service_unavailable", "The service is temporarily overloaded. Please retry.");
            default -> new ApiException(500, "server_error", "internal_error", "The server had an error while processing your request. Please retry.");
        };
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

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    /** Seconds for the {@code Retry-After} header; 0 when none is sent. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
