package dev.llmfleet.common.validation;

import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.config.Features;

import java.util.regex.Pattern;

/** The rules for what callers tag a request with (feature, idempotency key), shared by both lanes' endpoints. */
public final class RequestTags {
    /** The header naming a request's feature (a job's {@code feature} field wins over it). */
    public static final String FEATURE_HEADER = "X-Fleet-Feature";
    private static final Pattern FEATURE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** What an idempotency key may be, for error messages. */
    public static final String IDEMPOTENCY_KEY_RULE = "1-255 printable ASCII characters (space to '~')";
    /** Printable ASCII, no control characters (a tab, CR or LF could split a log line or a header it is copied into). */
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x20-\\x7E]{1,255}");

    private RequestTags() {
    }

    /**
     * The feature named by {@code value} (from {@code source}: the {@code X-Fleet-Feature} header or a job's
     * {@code feature} field), or the default feature when none is named. Refuses a name that could not be a metric tag
     * or a config key ({@code invalid_feature}) and one that is not configured ({@code unknown_feature}, naming those
     * that are): a caller cannot grow the fleet's per-feature state with new names.
     */
    public static String feature(String value, String source, Features features) {
        if (value == null || value.isBlank()) {
            return features.defaultFeature();
        }
        if (!FEATURE.matcher(value).matches()) {
            throw FleetException.invalidParameter(source, "invalid_feature", "'" + source + "' must be 1-64 letters, digits, '.', '_' or '-'.");
        }
        if (!features.isKnown(value)) {
            throw FleetException.invalidParameter(source, "unknown_feature", "Feature '" + value + "' (" + source
                    + ") is not configured; the features are " + String.join(", ", features.known())
                    + ". Leave it out for '" + features.defaultFeature() + "'.");
        }
        return value;
    }

    /** An {@code Idempotency-Key} header is optional, but when given it is {@link #isIdempotencyKey an idempotency key}. */
    public static void checkIdempotencyKey(String key) {
        if (key != null && !isIdempotencyKey(key)) {
            throw FleetException.invalidParameter("Idempotency-Key", "invalid_idempotency_key", "Idempotency-Key must be " + IDEMPOTENCY_KEY_RULE + ".");
        }
    }

    /** True for 1-255 printable ASCII characters, not all spaces: the rule of the header and of a batch line's {@code idempotency_key}. */
    public static boolean isIdempotencyKey(String key) {
        return !key.isBlank() && IDEMPOTENCY_KEY.matcher(key).matches();
    }
}
