package dev.llmfleet.loadtest;

import java.math.BigDecimal;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one answer tells the load test: its status, what it was charged and whether it was a cache hit.
 *
 * @param chargedUsd the charge, or null when the answer named none
 * @param cache      {@code hit}, {@code miss}, or null when the target does not say (the provider itself)
 */
public record ResponseFacts(int status, BigDecimal chargedUsd, String cache) {
    public static final String CHARGED_HEADER = "X-MDB-Charged-USD";
    public static final String CACHE_HEADER = "X-Fleet-Cache";
    /** The provider's optional final SSE event carrying a streamed call's charge. */
    private static final Pattern CHARGE_EVENT = Pattern.compile("\"object\"\\s*:\\s*\"mdb\\.charge\".*?\"charged_usd\"\\s*:\\s*\"?([0-9.Ee+-]+)");

    /**
     * Reads the charge where a provider or intake may put it: a response header, else an HTTP trailer
     * (streams whose charge is known only at the end), else an {@code mdb.charge} SSE event in the body.
     */
    public static ResponseFacts of(int status, UnaryOperator<String> headers, UnaryOperator<String> trailers, String streamBody) {
        BigDecimal charged = decimal(headers.apply(CHARGED_HEADER));
        if (charged == null) {
            charged = decimal(trailers.apply(CHARGED_HEADER));
        }
        if (charged == null && streamBody != null) {
            Matcher m = CHARGE_EVENT.matcher(streamBody);
            if (m.find()) {
                charged = decimal(m.group(1));
            }
        }
        String cache = headers.apply(CACHE_HEADER);
        return new ResponseFacts(status, charged, cache == null ? null : cache.trim().toLowerCase(java.util.Locale.ROOT));
    }

    public boolean ok() {
        return status >= 200 && status < 300;
    }

    private static BigDecimal decimal(String value) {
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
