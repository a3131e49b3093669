package dev.llmfleet.common.validation;

import dev.llmfleet.common.api.FleetException;

import java.util.regex.Pattern;

/** The rules for what callers tag a request with (feature, idempotency key), shared by both lanes' endpoints. */
public final class RequestTags {
    private static final Pattern FEATURE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private RequestTags() {
    }

    /**
     * The feature named by {@code value} (from {@code source}, e.g. {@code X-Fleet-Feature}), or
     * {@code fallback} when none is named; refuses names that could not be a metric tag or a config key.
     */
    public static String feature(String value, String source, String fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        if (!FEATURE.matcher(value).matches()) {
            throw FleetException.invalid("invalid_feature", source + " must be 1-64 letters, digits, '.', '_' or '-'.");
        }
        return value;
    }

    /** An {@code Idempotency-Key} is optional, but when given it is 1-255 characters. */
    public static void checkIdempotencyKey(String key) {
        if (key != null && (key.isBlank() || key.length() > 255)) {
            throw FleetException.invalid("invalid_idempotency_key", "Idempotency-Key must be 1-255 characters.");
        }
    }
}
