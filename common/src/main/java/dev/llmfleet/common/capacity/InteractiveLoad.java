package dev.llmfleet.common.capacity;

import java.util.Map;

/**
 * The interactive lane's share of provider capacity, shared through Redis: each intake instance writes
 * the peak of its in-flight interactive requests (field = instance, value = {@code peak|epochMillis})
 * every {@link #PUBLISH_MILLIS}; the worker sums the fresh entries and keeps that much (plus a reserve)
 * of the provider's budget free. Interactive traffic draws first; the async lane fills what is left.
 */
public final class InteractiveLoad {
    public static final String KEY = "fleet:capacity:interactive:v1";
    public static final long PUBLISH_MILLIS = 250;
    /** An instance silent for longer is gone (crashed or scaled down): its load no longer counts. */
    public static final long FRESH_MILLIS = 2_000;

    private InteractiveLoad() {
    }

    public static String encode(int peak, long nowMillis) {
        return peak + "|" + nowMillis;
    }

    /** The summed peaks of the instances heard from recently. */
    public static int total(Map<String, String> entries, long nowMillis) {
        int total = 0;
        for (String value : entries.values()) {
            int bar = value.indexOf('|');
            if (bar <= 0) {
                continue;
            }
            try {
                long at = Long.parseLong(value.substring(bar + 1));
                if (nowMillis - at <= FRESH_MILLIS) {
                    total += Integer.parseInt(value.substring(0, bar));
                }
            } catch (NumberFormatException ignored) {
                // a malformed entry counts as no load
            }
        }
        return total;
    }
}
